/** `roomwire`: the room client, for browsers and Node (given a WebSocket and an RTCPeerConnection factory). */
export { RoomClient, type RoomClientConfig, type ClientEvents, type ClientErrorEvent } from './room-client.ts';
export { MessageTooLargeError, SendQueueFullError } from './errors.ts';
export type { LinkResetReason } from './reliable-receiver.ts';
export { Room, type RoomMessage, type PeerState, type SendOptions, type RoomEvents } from './room.ts';
export { clientOptionSpecs, type ClientOptions } from './options.ts';
export type { LinkPath } from './peer-link.ts';
export type { RtcFactory, RtcConfig, RtcPeerConnection, RtcDataChannel, RtcDescription, RtcCandidate, RtcStats } from './rtc.ts';
export type { WebSocketFactory, WebSocketLike, SignalingState } from './signaling-socket.ts';

export { RoomClient, type RoomClientConfig, type ClientEvents, type ClientErrorEvent } from './room-client.ts';
export { MessageTooLargeError, SendQueueFullError } from './errors.ts';
export type { LinkResetReason } from './reliable-receiver.ts';
export { Room, type RoomMessage, type PeerState, type SendOptions } from './room.ts';
export { clientOptionSpecs, type ClientOptions } from './options.ts';
export type { LinkPath } from './peer-link.ts';
export type { RtcFactory } from './rtc.ts';
export type { WebSocketFactory, SignalingState } from './signaling-socket.ts';

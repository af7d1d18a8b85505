/** The room client in Node: `ws` for the signaling socket, werift for peer connections. */
import { RTCPeerConnection, type RTCPeerConnectionConfig } from 'werift';
import WebSocket from 'ws';
import { RoomClient, type RoomClientConfig } from './room-client.ts';
import type { RtcFactory, RtcPeerConnection } from './rtc.ts';
import type { WebSocketLike } from './signaling-socket.ts';

export type WeriftOverrides = Partial<RTCPeerConnectionConfig>;

/**
 * werift peer connections. Two werift facts (measured, see DESIGN.md): it skips loopback host candidates
 * unless 127.0.0.1 is named, and it falls back to a public STUN server when iceServers is empty, so
 * the hub's list is always passed, even when empty.
 */
export function weriftRtc(overrides: WeriftOverrides = {}): RtcFactory {
  return (config) => new RTCPeerConnection({
    iceServers: config.iceServers,
    iceTransportPolicy: config.iceTransportPolicy,
    iceAdditionalHostAddresses: ['127.0.0.1'],
    ...overrides,
  }) as unknown as RtcPeerConnection;
}

export function nodeWebSocket(url: string): WebSocketLike {
  return new WebSocket(url, { perMessageDeflate: false }) as unknown as WebSocketLike;
}

export interface NodeClientConfig extends Omit<RoomClientConfig, 'webSocket' | 'rtc'> {
  werift?: WeriftOverrides;
  /** Another RTCPeerConnection (node-datachannel's polyfill, for comparison). Default: werift. */
  rtc?: RtcFactory;
}

export function createNodeClient(config: NodeClientConfig): RoomClient {
  const { werift, rtc, ...rest } = config;
  return new RoomClient({ ...rest, webSocket: nodeWebSocket, rtc: rtc ?? weriftRtc(werift) });
}

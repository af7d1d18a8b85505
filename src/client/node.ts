/** The room client in Node: `ws` for the signaling socket, werift for peer connections. */
import { RTCPeerConnection, type RTCPeerConnectionConfig } from 'werift';
import WebSocket from 'ws';
import { RoomClient, type RoomClientConfig } from './room-client.ts';
import type { RtcFactory, RtcPeerConnection } from './rtc.ts';
import type { WebSocketLike } from './signaling-socket.ts';

export type WeriftOverrides = Partial<RTCPeerConnectionConfig>;

/**
 * Where werift's STUN queries go when the hub names no STUN server: werift 0.25 then queries
 * stun.l.google.com:19302 (a DNS lookup and a packet off the machine, even with `iceServers: []`), and
 * candidate gathering waits up to 5 s for it, which delayed DataChannels of busy processes by ~5 s
 * (test/integration/werift-quirks.test.ts). A loopback address nobody answers on keeps the queries on
 * this machine, and a short gather timeout bounds the wait.
 */
export const NO_STUN_SERVER = { urls: 'stun:127.0.0.1:9' };
const NO_STUN_GATHER_TIMEOUT_S = 0.01;

/**
 * werift peer connections. It skips loopback host candidates unless 127.0.0.1 is named (DESIGN.md), and
 * it must always be given a STUN server (above).
 */
export function weriftRtc(overrides: WeriftOverrides = {}): RtcFactory {
  return (config) => {
    const hasStun = config.iceServers.some((s) => [s.urls].flat().some((u) => u.startsWith('stun:')));
    return new RTCPeerConnection({
      iceServers: hasStun ? config.iceServers : [NO_STUN_SERVER, ...config.iceServers],
      ...(hasStun ? {} : { iceStunGatherTimeout: NO_STUN_GATHER_TIMEOUT_S }),
      iceTransportPolicy: config.iceTransportPolicy,
      iceAdditionalHostAddresses: ['127.0.0.1'],
      ...overrides,
    }) as unknown as RtcPeerConnection;
  };
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

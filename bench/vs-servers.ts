/**
 * The three servers of bench/vs-peerjs.ts, each in its own process with the memory probe, behind one face:
 * - roomwire: `roomwire hub` (compiled, as operators run it) speaking its native protocol; its limits on,
 *   set high enough not to refuse the benchmark's traffic (flags below);
 * - peerjs: peerjs-server's own `peerjs` command (npm `peer`), its concurrent_limit raised likewise;
 * - bare: the least a JSON relay on `ws` must do (bench/relay-server.ts).
 * Each knows how to relay in its own protocol and how to open one idle connection in its own way.
 */
import type WebSocket from 'ws';
import { startPeerjsServer, startRoomwireCommand, type MemoryProbe } from '../test/helpers/peerjs-server.ts';
import { connect as peerjsSocket, relayRate as peerjsRelayRate } from './compat-peerjs.ts';
import { roomwireSocket } from './connections.ts';
import { relayRate, startRelayServer } from './hub-relay.ts';

export const KINDS = ['roomwire', 'peerjs', 'bare'] as const;
export type Kind = (typeof KINDS)[number];

export const LABELS: Record<Kind, string> = { roomwire: 'roomwire hub', peerjs: 'peerjs-server', bare: 'bare ws relay' };

/** Members of each room the idle roomwire connections join. */
export const ROOM_SIZE = 10;

export interface Contender extends MemoryProbe {
  kind: Kind;
  pid: number;
  /** A ~250 B ICE candidate A -> server -> B, `count` times, at most `window` in flight; messages per second. */
  relayRate(count: number, window: number): Promise<number>;
  /**
   * Opens idle connection number `i` from `localAddress` and resolves when the server has done with it:
   * roomwire: welcome, then joined to room `i / ROOM_SIZE`; peerjs: OPEN for its id; bare: welcome.
   */
  open(i: number, localAddress: string): Promise<WebSocket>;
  /**
   * Resolves once the connections just opened are idle. roomwire keeps every frame it sent for a resume
   * until a heartbeat pong confirms it: its pings are spread over the interval, so every connection has had
   * one after the last join only a whole interval later, and a second for the pongs. The others keep
   * nothing of the kind: a second.
   */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** What the roomwire hub is given: its default heartbeat, 5 s (hubOptionSpecs.heartbeatIntervalMs). */
const HEARTBEAT_MS = 5_000;
const PONGS_MS = 1_000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** roomwire hub flags: every limit on, but high enough for `connections` joined connections from a few addresses. */
export function roomwireFlags(connections: number): string[] {
  const high = String(1e9);
  return [
    '--max-connections', String(connections + 1_000), '--max-rooms', String(Math.ceil(connections / ROOM_SIZE) + 1_000),
    '--messages-per-second', high, '--message-burst', high, '--bytes-per-second', String(1e12), '--byte-burst', String(1e12),
    '--max-connections-per-address', high, '--max-sessions-per-address', high,
    '--connections-per-second-per-address', high, '--connection-burst-per-address', high,
    '--joins-per-second-per-address', high, '--join-burst-per-address', high,
  ];
}

let relayRoom = 0;

/** Starts a server of `kind`, ready for `connections` idle connections. */
export async function startContender(kind: Kind, connections: number): Promise<Contender> {
  if (kind === 'roomwire') {
    const hub = await startRoomwireCommand(roomwireFlags(connections));
    const url = `ws://127.0.0.1:${hub.port}/ws`;
    return {
      ...hub, kind,
      relayRate: (count, window) => relayRate(url, count, window, `relay-${relayRoom++}`),
      open: (i, localAddress) => roomwireSocket(url, localAddress, `idle-${Math.floor(i / ROOM_SIZE)}`),
      idle: () => sleep(HEARTBEAT_MS + PONGS_MS),
    };
  }
  if (kind === 'peerjs') {
    const peerjs = await startPeerjsServer(['--concurrent_limit', String(connections + 1_000)]);
    return {
      ...peerjs, kind,
      relayRate: (count, window) => peerjsRelayRate(peerjs.port, count, window),
      open: (i, localAddress) => peerjsSocket(peerjs.port, `idle-${i}`, localAddress),
      idle: () => sleep(PONGS_MS),
    };
  }
  const bare = await startRelayServer('bare');
  return {
    ...bare, kind,
    relayRate: (count, window) => relayRate(bare.url, count, window),
    open: (_i, localAddress) => roomwireSocket(bare.url, localAddress),
    idle: () => sleep(PONGS_MS),
  };
}

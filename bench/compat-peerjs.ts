/**
 * PeerJS against peerjs-server, the same driver for both, in the same run: each server runs its own command
 * in a process of its own (peerjs-server's `peerjs`; `roomwire hub --peerjs`, compiled), and
 * - relay: client A sends CANDIDATE messages (a ~250-byte ICE candidate, as the peerjs client wraps it) to
 *   client B through the server, at most `window` in flight; rounds alternate between the servers;
 * - idle: `idle` sockets each holding an id, and the growth of the server's live heap (after full
 *   collections) and of its RSS, per socket.
 * roomwire's budgets and per-address limits are raised out of the way: this measures the relay path.
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { startPeerjsServer, startRoomwireHub, type ServerProcess } from '../test/helpers/peerjs-server.ts';
import { CANDIDATE, median, windowedRate } from './hub-relay.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Opens a PeerJS socket holding `id` (from `localAddress`, if given) and resolves once the server said OPEN. */
export async function connect(port: number, id: string, localAddress?: string): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/peerjs?key=peerjs&id=${id}&token=bench`, { perMessageDeflate: false, localAddress });
  const [data] = await once(ws, 'message');
  if (JSON.parse(String(data)).type !== 'OPEN') throw new Error(`no OPEN for ${id}: ${data}`);
  return ws;
}

async function closeAll(sockets: WebSocket[]): Promise<void> {
  await Promise.all(sockets.map((ws) => {
    const closed = once(ws, 'close');
    ws.close();
    return closed;
  }));
}

let round = 0;

/** Relays `count` CANDIDATEs A -> B with at most `window` in flight; returns messages per second. */
export async function relayRate(port: number, count: number, window: number): Promise<number> {
  const tag = `r${round++}`;
  const a = await connect(port, `a-${tag}`);
  const b = await connect(port, `b-${tag}`);
  const frame = JSON.stringify({ type: 'CANDIDATE', dst: `b-${tag}`, payload: { candidate: CANDIDATE, type: 'data', connectionId: 'dc_bench0000' } });
  const rate = await windowedRate(() => a.send(frame), b, count, window);
  await closeAll([a, b]);
  return rate;
}

export interface IdleCost {
  /** Growth of the live JS heap and external memory (after full collections), bytes per socket. */
  heap: number;
  /** Growth of the process's RSS, bytes per socket (noisier: it includes the heap's slack). */
  rss: number;
}

/**
 * What `idle` sockets holding ids cost the server. A first round opens and closes as many, so the heap has
 * grown to its working size before the measured one.
 */
async function idleCost(server: ServerProcess, idle: number): Promise<IdleCost> {
  const open = async (round: string) => {
    const sockets: WebSocket[] = [];
    for (let i = 0; i < idle; i += 100) {
      sockets.push(...await Promise.all(Array.from({ length: Math.min(100, idle - i) }, (_, j) => connect(server.port, `idle-${round}-${i + j}`))));
    }
    return sockets;
  };
  await closeAll(await open('warm'));
  const live = (m: NodeJS.MemoryUsage) => m.heapUsed + m.external;
  const [before, rssBefore] = [await server.memory(), server.rss()];
  const sockets = await open('measured');
  const [after, rssAfter] = [await server.memory(), server.rss()];
  await closeAll(sockets);
  return { heap: (live(after) - live(before)) / idle, rss: (rssAfter - rssBefore) / idle };
}

export interface PeerjsBenchResult {
  frameBytes: number;
  rates: Record<'peerjs' | 'roomwire', number[]>;
  medians: Record<'peerjs' | 'roomwire', number>;
  relayRatio: number;
  idle: number;
  idleBytes: Record<'peerjs' | 'roomwire', IdleCost>;
  /** roomwire / peerjs-server, of the heap growth. */
  idleRatio: number;
}


export async function benchPeerjs({ rounds = 5, count = 50_000, window = 1_000, idle = 2_000 } = {}): Promise<PeerjsBenchResult> {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' }); // roomwire's command runs dist/
  const high = String(1e9);
  const peerjs = await startPeerjsServer(['--concurrent_limit', high]);
  const roomwire = await startRoomwireHub([
    '--peerjs-max-clients', high, '--messages-per-second', high, '--message-burst', high,
    '--bytes-per-second', String(1e12), '--byte-burst', String(1e12), '--max-connections-per-address', high,
    '--max-sessions-per-address', high, '--connections-per-second-per-address', high, '--connection-burst-per-address', high,
  ]);
  try {
    // idle first, on fresh processes (the relay rounds leave garbage behind)
    const idleBytes = { peerjs: await idleCost(peerjs, idle), roomwire: await idleCost(roomwire, idle) };
    await relayRate(peerjs.port, count / 5, window); // warm up both JITs
    await relayRate(roomwire.port, count / 5, window);
    const rates = { peerjs: [] as number[], roomwire: [] as number[] };
    for (let i = 0; i < rounds; i++) {
      // alternate the order so that drift on a shared machine hits both alike
      const order = i % 2 === 0 ? (['peerjs', 'roomwire'] as const) : (['roomwire', 'peerjs'] as const);
      for (const kind of order) rates[kind].push(await relayRate((kind === 'peerjs' ? peerjs : roomwire).port, count, window));
    }
    const medians = { peerjs: median(rates.peerjs), roomwire: median(rates.roomwire) };
    const frameBytes = JSON.stringify({ type: 'CANDIDATE', src: 'a-r0', dst: 'b-r0', payload: { candidate: CANDIDATE, type: 'data', connectionId: 'dc_bench0000' } }).length;
    return {
      frameBytes, rates, medians, relayRatio: medians.roomwire / medians.peerjs,
      idle, idleBytes, idleRatio: idleBytes.roomwire.heap / idleBytes.peerjs.heap,
    };
  } finally {
    await Promise.all([peerjs.stop(), roomwire.stop()]);
  }
}

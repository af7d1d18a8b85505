/**
 * y-webrtc signaling: roomwire (`hub --y-webrtc`) against y-webrtc's own bin/server.js, each in its own
 * process, driven by the same code, alternating rounds, in the same run.
 * - relay: a publish of a signal as y-webrtc sends it (a ~250 B ICE candidate) to a topic of 3 subscribers,
 *   the publisher among them, with at most `window` publishes in flight; publishes per second.
 * - memory: the server's RSS per idle socket subscribed to one topic (4 sockets a topic), over `idle` sockets.
 * roomwire's rate and per-address limits are lifted (bench/relay-server.ts): this measures the relay path.
 */
import { once } from 'node:events';
import WebSocket from 'ws';
import { rssOf } from '../test/helpers/peerjs-server.ts';
import { startOriginalServer } from '../test/helpers/y-webrtc-original.ts';
import { CANDIDATE, median, startRelayServer, windowedRate } from './hub-relay.ts';

/** A trickled candidate as y-webrtc publishes it (unencrypted: no room password). */
const SIGNAL = { to: 'peer-b', from: 'peer-a', type: 'signal', token: 1712345678901.123, signal: { type: 'candidate', candidate: CANDIDATE } };
const PUBLISH = JSON.stringify({ type: 'publish', topic: 'bench-doc', data: SIGNAL });

interface Server {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

async function startServer(kind: 'roomwire' | 'original'): Promise<Server> {
  if (kind === 'roomwire') return startRelayServer('y-webrtc');
  const original = await startOriginalServer();
  return { url: original.url, pid: original.child.pid!, stop: () => original.close() };
}

async function subscriber(url: string, topic: string): Promise<WebSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  await once(ws, 'open');
  ws.send(JSON.stringify({ type: 'subscribe', topics: [topic] }));
  // A ping round trip: the subscribe has been handled when the pong arrives.
  ws.send(JSON.stringify({ type: 'ping' }));
  await new Promise<void>((resolve) => ws.once('message', () => resolve()));
  return ws;
}

const closeAll = (sockets: WebSocket[]) => Promise.all(sockets.map((ws) => {
  ws.close();
  return once(ws, 'close');
}));

/** `count` publishes from A to a topic that A, B and C subscribe to; publishes per second, as B receives them. */
async function publishRate(url: string, count: number, window: number): Promise<number> {
  const [a, b, c] = await Promise.all([0, 1, 2].map(() => subscriber(url, 'bench-doc')));
  const rate = await windowedRate(() => a!.send(PUBLISH), b!, count, window);
  await closeAll([a!, b!, c!]);
  return rate;
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** RSS growth of a fresh server per idle subscribed socket, in bytes. */
async function bytesPerIdleSocket(kind: 'roomwire' | 'original', idle: number): Promise<number> {
  const server = await startServer(kind);
  try {
    await closeAll(await Promise.all(Array.from({ length: 200 }, (_, i) => subscriber(server.url, `warm-${i % 50}`)))); // warm up
    await settle(1_000);
    const before = rssOf(server.pid);
    const sockets: WebSocket[] = [];
    for (let i = 0; i < idle; i += 100) {
      sockets.push(...(await Promise.all(Array.from({ length: Math.min(100, idle - i) }, (_, j) => subscriber(server.url, `doc-${Math.floor((i + j) / 4)}`)))));
    }
    await settle(1_000);
    const after = rssOf(server.pid);
    await closeAll(sockets);
    return (after - before) / idle;
  } finally {
    await server.stop();
  }
}


export interface YWebrtcBenchResult {
  frameBytes: number;
  rates: Record<'roomwire' | 'original', number[]>;
  memory: Record<'roomwire' | 'original', number[]>;
  rateRatio: number;
  memoryRatio: number;
  idle: number;
}

export async function benchYWebrtc({ rounds = 5, count = 50_000, window = 1_000, idle = 2_000 } = {}): Promise<YWebrtcBenchResult> {
  const rates = { roomwire: [] as number[], original: [] as number[] };
  const memory = { roomwire: [] as number[], original: [] as number[] };
  const roomwire = await startServer('roomwire');
  const original = await startServer('original');
  try {
    await publishRate(roomwire.url, count / 5, window); // warm up both JITs
    await publishRate(original.url, count / 5, window);
    for (let i = 0; i < rounds; i++) {
      // alternate the order so that drift on a shared machine hits both alike
      const order = i % 2 === 0 ? ([original, roomwire] as const) : ([roomwire, original] as const);
      for (const server of order) rates[server === roomwire ? 'roomwire' : 'original'].push(await publishRate(server.url, count, window));
    }
  } finally {
    await Promise.all([roomwire.stop(), original.stop()]);
  }
  for (let i = 0; i < Math.max(1, Math.ceil(rounds / 2)); i++) {
    for (const kind of i % 2 === 0 ? (['original', 'roomwire'] as const) : (['roomwire', 'original'] as const)) memory[kind].push(await bytesPerIdleSocket(kind, idle));
  }
  return {
    frameBytes: PUBLISH.length, rates, memory, idle,
    rateRatio: median(rates.roomwire) / median(rates.original),
    memoryRatio: median(memory.roomwire) / median(memory.original),
  };
}

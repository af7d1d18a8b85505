/**
 * Protocol clients for the cluster benchmark: raw `ws` sockets speaking just enough of roomwire's protocol
 * (welcome, join, signal), so that the measured cost is the hubs' and Redis's, not a client library's.
 */
import { once } from 'node:events';
import WebSocket from 'ws';
import { CANDIDATE, windowedRate } from './hub-relay.ts';

export interface BenchClient {
  ws: WebSocket;
  peerId: string;
}

interface Frame {
  type: string;
  peerId?: string;
  peers?: { peerId: string }[];
  data?: { t?: number };
}

/** Resolves with the first frame on `ws` that `pick` accepts. */
export function nextFrame(ws: WebSocket, pick: (m: Frame) => boolean): Promise<Frame> {
  return new Promise((resolve, reject) => {
    const onMessage = (data: WebSocket.RawData) => {
      const m = JSON.parse(data.toString()) as Frame;
      if (m.type === 'error') return done(() => reject(new Error(`hub error: ${data}`)));
      if (pick(m)) done(() => resolve(m));
    };
    const onClose = () => done(() => reject(new Error('socket closed')));
    const done = (settle: () => void) => {
      ws.off('message', onMessage);
      ws.off('close', onClose);
      settle();
    };
    ws.on('message', onMessage);
    ws.on('close', onClose);
  });
}

/** Opens a socket (from `localAddress`, one of 127.0.0.0/8) and resolves once the hub said welcome. */
export async function openClient(url: string, localAddress = '127.0.0.1'): Promise<BenchClient> {
  const ws = new WebSocket(url, { perMessageDeflate: false, localAddress });
  const welcome = nextFrame(ws, (m) => m.type === 'welcome');
  welcome.catch(() => {}); // an upgrade refused rejects `open` below first
  await once(ws, 'open');
  return { ws, peerId: (await welcome).peerId! };
}

export async function closeClients(clients: BenchClient[]): Promise<void> {
  await Promise.all(clients.map(async ({ ws }) => {
    if (ws.readyState === WebSocket.CLOSED) return;
    const closed = once(ws, 'close');
    ws.close(); // a deliberate close: the hub ends the session at once, no resume grace
    await closed;
  }));
}

/**
 * A on `urlA` and B on `urlB` in a fresh room: A joins first, and the pair is ready when A has heard B's
 * peer-joined (so A's hub knows B, on whichever hub B is). The bare relay has no rooms: `announced` false.
 */
export async function openPair(urlA: string, urlB: string, room: string, announced = true): Promise<[BenchClient, BenchClient]> {
  const a = await openClient(urlA);
  const b = await openClient(urlB);
  const aJoined = nextFrame(a.ws, (m) => m.type === 'joined');
  a.ws.send(JSON.stringify({ type: 'join', room }));
  await aJoined;
  const bSeen = announced ? nextFrame(a.ws, (m) => m.type === 'peer-joined' && m.peerId === b.peerId) : undefined;
  const bJoined = nextFrame(b.ws, (m) => m.type === 'joined');
  b.ws.send(JSON.stringify({ type: 'join', room }));
  await Promise.all([bJoined, bSeen]);
  return [a, b];
}

let rooms = 0;
const freshRoom = (tag: string) => `${tag}-${rooms++}`;

/** The relay driver of bench/hub-relay.ts between a pair on `urlA` and `urlB`: `count` signals A -> B, `window` in flight. */
export async function pairRate(urlA: string, urlB: string, announced: boolean, count: number, window: number): Promise<number> {
  const [a, b] = await openPair(urlA, urlB, freshRoom('rate'), announced);
  const frame = JSON.stringify({ type: 'signal', to: b.peerId, data: CANDIDATE });
  const rate = await windowedRate(() => a.ws.send(frame), b.ws, count, window);
  await closeClients([a, b]);
  return rate;
}

/**
 * One-way signal latency A -> B, one message at a time: each signal carries its send time (A and B live in
 * this process, so they read the same clock) and the next leaves when the previous has arrived. Milliseconds.
 */
export async function pairLatencies(urlA: string, urlB: string, announced: boolean, count: number): Promise<number[]> {
  const [a, b] = await openPair(urlA, urlB, freshRoom('latency'), announced);
  const samples: number[] = [];
  await new Promise<void>((resolve) => {
    const send = () => a.ws.send(JSON.stringify({ type: 'signal', to: b.peerId, data: { ...CANDIDATE, t: performance.now() } }));
    b.ws.on('message', (raw) => {
      const t = (JSON.parse(raw.toString()) as Frame).data?.t;
      if (t === undefined) return;
      samples.push(performance.now() - t);
      if (samples.length === count) resolve();
      else send();
    });
    send();
  });
  await closeClients([a, b]);
  return samples;
}

/**
 * Opening many WebSockets for the connection benchmarks (bench/vs-peerjs.ts, bench/scale.ts): from many
 * loopback source addresses (one address has only ~28k ephemeral ports, and servers count connections per
 * address), a bounded number in flight, each bounded in time.
 */
import WebSocket from 'ws';

/** A connection (upgrade and its first answers) that takes longer than this counts as failed. */
export const OPEN_TIMEOUT_MS = 20_000;

/** `count` loopback addresses `${prefix}.1`, `${prefix}.2`, ... (prefix: three octets, e.g. 127.0.3). */
export function loopbackAddresses(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}.${i + 1}`);
}

/** Resolves with the first frame on `ws` (JSON) whose type is `type`; rejects when the socket fails or closes first. */
export function frameOfType(ws: WebSocket, type: string): Promise<{ type: string; peerId?: string }> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error, frame?: { type: string }) => {
      ws.off('message', onMessage).off('error', onError).off('close', onClose);
      if (err) reject(err);
      else resolve(frame!);
    };
    const onMessage = (data: WebSocket.RawData) => {
      const frame = JSON.parse(String(data));
      if (frame.type === type) done(undefined, frame);
    };
    const onError = (err: Error) => done(err);
    const onClose = (code: number) => done(new Error(`closed with ${code} before ${type}`));
    ws.on('message', onMessage).on('error', onError).on('close', onClose);
  });
}

/** The peer id the hub gave each socket roomwireSocket opened (its welcome). */
export const peerIds = new WeakMap<WebSocket, string>();

/** A roomwire (or bare relay) socket from `localAddress`: welcome, then, with `room`, joined. */
export async function roomwireSocket(url: string, localAddress: string, room?: string): Promise<WebSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: false, localAddress, handshakeTimeout: OPEN_TIMEOUT_MS });
  try {
    peerIds.set(ws, (await frameOfType(ws, 'welcome')).peerId!);
    if (room === undefined) return ws;
    const joined = frameOfType(ws, 'joined');
    ws.send(JSON.stringify({ type: 'join', room }));
    await joined;
    return ws;
  } catch (err) {
    ws.terminate();
    throw err;
  }
}


export interface Opened {
  /** The sockets opened, in order of their numbers (all of them, unless `error`). */
  sockets: WebSocket[];
  /** From the first open to the last answer. */
  seconds: number;
  /** The first failure; no more were started after it. */
  error?: Error;
}

/**
 * Opens connections number `first` .. `first + count - 1` with `open`, at most `concurrency` at a time,
 * each from `addresses[i % addresses.length]` and bounded by OPEN_TIMEOUT_MS. Stops starting new ones at
 * the first failure and reports it; calls `progress` with the count opened every 1,000.
 */
export async function openMany(
  open: (i: number, localAddress: string) => Promise<WebSocket>,
  { first = 0, count, concurrency, addresses, progress }:
    { first?: number; count: number; concurrency: number; addresses: string[]; progress?: (opened: number) => void },
): Promise<Opened> {
  const sockets: WebSocket[] = [];
  let next = 0;
  let opened = 0;
  let error: Error | undefined;
  const started = performance.now();
  const worker = async () => {
    while (next < count && error === undefined) {
      const n = next++;
      const i = first + n;
      let timer: NodeJS.Timeout | undefined;
      try {
        sockets[n] = await Promise.race([
          open(i, addresses[i % addresses.length]!),
          new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`connection ${i} not open within ${OPEN_TIMEOUT_MS} ms`)), OPEN_TIMEOUT_MS))),
        ]);
        if (++opened % 1_000 === 0) progress?.(opened);
      } catch (err) {
        error ??= new Error(`connection ${i} (from ${addresses[i % addresses.length]}): ${(err as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { sockets: sockets.filter(Boolean), seconds, ...(error ? { error } : {}) };
}

/** Drops every socket at once (the server is gone or going: no close handshake to wait for). */
export function terminateAll(sockets: WebSocket[]): void {
  for (const ws of sockets) ws.terminate();
}

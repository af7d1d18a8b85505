/**
 * One driver process of bench/scale.ts: opens its share of the hub's connections (each joined to a room of
 * 10) from its own loopback addresses, holds them, and on request measures signal latency between pairs of
 * its room mates. Speaks to its parent over IPC (DriverRequest / DriverReport); exits when the parent goes.
 */
import WebSocket from 'ws';
import { CANDIDATE } from './hub-relay.ts';
import { loopbackAddresses, openMany, peerIds, roomwireSocket, terminateAll } from './connections.ts';
import { ROOM_SIZE } from './vs-servers.ts';

export type DriverRequest =
  | { do: 'open'; url: string; first: number; count: number; concurrency: number; addressPrefix: string; addresses: number }
  | { do: 'latency'; pairs: number; signals: number; intervalMs: number };

export type DriverReport =
  | { progress: number }
  | { opened: number; seconds: number; error?: string }
  | { samples: number[] };

let sockets: WebSocket[] = [];
const report = (r: DriverReport) => process.send!(r);

/** A signal not arrived within this counts as lost (sample -1). */
const LOST_AFTER_MS = 10_000;

/**
 * `signals` signals from A to B of each of `pairs` pairs of room mates spread over this driver's rooms, one
 * at a time per pair, `intervalMs` apart: the milliseconds from each send to its arrival (one clock: both
 * ends are in this process), -1 for a signal lost.
 */
async function latency(pairs: number, signals: number, intervalMs: number): Promise<number[]> {
  const rooms = Math.floor(sockets.length / ROOM_SIZE);
  const samples: number[] = [];
  const pair = async (p: number) => {
    const room = Math.floor((p * rooms) / pairs);
    const a = sockets[room * ROOM_SIZE]!;
    const b = sockets[room * ROOM_SIZE + 1]!;
    const to = peerIds.get(b)!;
    for (let seq = 0; seq < signals; seq++) {
      const arrived = new Promise<number | undefined>((resolve) => {
        const done = (at?: number) => {
          clearTimeout(timer);
          b.off('message', onMessage);
          resolve(at);
        };
        const onMessage = (data: WebSocket.RawData) => {
          const m = JSON.parse(String(data));
          if (m.type === 'signal' && m.data.seq === seq) done(performance.now());
        };
        const timer = setTimeout(done, LOST_AFTER_MS);
        b.on('message', onMessage);
      });
      const sent = performance.now();
      a.send(JSON.stringify({ type: 'signal', to, data: { ...CANDIDATE, seq } }));
      const at = await arrived;
      samples.push(at === undefined ? -1 : at - sent);
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  };
  await Promise.all(Array.from({ length: Math.min(pairs, rooms) }, (_, p) => pair(p)));
  return samples;
}

process.on('message', async (m: DriverRequest) => {
  if (m.do === 'open') {
    const addresses = loopbackAddresses(m.addressPrefix, m.addresses);
    const opened = await openMany((i, from) => roomwireSocket(m.url, from, `scale-${Math.floor(i / ROOM_SIZE)}`), {
      first: m.first, count: m.count, concurrency: m.concurrency, addresses, progress: (n) => report({ progress: n }),
    });
    sockets = opened.sockets;
    report({ opened: sockets.length, seconds: opened.seconds, ...(opened.error ? { error: opened.error.message } : {}) });
  } else if (m.do === 'latency') {
    report({ samples: await latency(m.pairs, m.signals, m.intervalMs) });
  }
});
// The parent is gone (done, or killed): drop everything.
process.on('disconnect', () => {
  terminateAll(sockets);
  process.exit(0);
});

/**
 * Room client benchmarks between two clients on loopback, through a hub in this process:
 * - join -> DataChannel open latency for pairs of werift peers;
 * - DataChannel messages/s and MB/s for 100 B and 16 KiB messages, with and without coalescing,
 *   for werift and, as a yardstick, node-datachannel (libdatachannel) running the same client code.
 * The receiver runs in its own process so that each side has a core.
 */
import { createNodeClient } from '../src/client/node.ts';
import type { RoomClient } from '../src/client/room-client.ts';
import { startHub } from '../test/helpers/hub.ts';
import { nodeDatachannelRtc } from '../test/helpers/node-datachannel-rtc.ts';
import { forkCountingChild, measureDelivery } from './counting-child.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

/** A hub on 127.0.0.1, port 0, whose rate limits are far above what a benchmark sends (the hub relay is not measured here). */
export function startBenchHub() {
  return startHub({ messagesPerSecond: 1e6, messageBurst: 1e6, bytesPerSecond: 1e12, byteBurst: 1e12 });
}

export async function untilOpen(client: RoomClient, peerId: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (client.link(peerId)?.path !== 'direct' && client.link(peerId)?.path !== 'turn') {
    if (Date.now() > deadline) throw new Error('link did not open');
    await sleep(2);
  }
}

export async function benchOpenLatency(pairs: number): Promise<{ p50: number; p95: number; samples: number[] }> {
  const { hub, url } = await startBenchHub();
  const samples: number[] = [];
  try {
    for (let i = 0; i < pairs; i++) {
      const a = createNodeClient({ url });
      const b = createNodeClient({ url });
      await Promise.all([a.connect(), b.connect()]);
      await a.join(`open-${i}`);
      const started = performance.now();
      await b.join(`open-${i}`);
      await Promise.all([untilOpen(a, b.peerId), untilOpen(b, a.peerId)]);
      samples.push(performance.now() - started);
      a.close();
      b.close();
    }
  } finally {
    await hub.close();
  }
  return { p50: percentile(samples, 50), p95: percentile(samples, 95), samples };
}

export interface ThroughputResult {
  stack: 'werift' | 'node-datachannel';
  size: number;
  coalesce: boolean;
  messagesPerSecond: number;
  megabytesPerSecond: number;
}

/** Sends `size`-byte messages to a client in another process for `seconds`, keeping the link busy. */
export async function benchThroughput(stack: ThroughputResult['stack'], size: number, coalesce: boolean, seconds: number): Promise<ThroughputResult> {
  const { hub, url } = await startBenchHub();
  const room = `tp-${stack}-${size}-${coalesce}`;
  const receiver = forkCountingChild(new URL('./receiver-process.ts', import.meta.url), [url, room, stack, String(coalesce)]);
  const sender = createNodeClient({ url, coalesce, ...(stack === 'node-datachannel' ? { rtc: nodeDatachannelRtc } : {}) });
  try {
    await receiver.ready;
    await sender.connect();
    const r = await sender.join(room);
    const peerId = [...r.members.keys()][0]!;
    await untilOpen(sender, peerId);
    const link = sender.link(peerId)!;
    const payload = new Uint8Array(size).fill(7);
    // Keep about 1 MiB unacknowledged: enough to fill the pipe, little enough to stay responsive.
    const window = Math.max(1024 * 1024, size * 4);
    const rate = await measureDelivery(receiver, () => {
      while (link.bufferedAmount < window) r.send(payload);
    }, seconds);
    return { stack, size, coalesce, ...rate };
  } finally {
    await sender.close();
    await receiver.close();
    await hub.close();
  }
}

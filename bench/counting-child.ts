/**
 * Shared by the throughput benchmarks: a receiving process that counts messages (receiver-process.ts,
 * members-process.ts speak this), and the measuring loop that keeps a sender busy for a while.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export interface Counts {
  messages: number;
  bytes: number;
}

export interface CountingChild {
  /** Resolves when the child has joined its room ('ready'). */
  ready: Promise<unknown>;
  stats(): Promise<Counts>;
  close(): Promise<void>;
}

export function forkCountingChild(file: URL, args: string[]): CountingChild {
  const child = fork(fileURLToPath(file), args, { execArgv: ['--import', 'tsx'] });
  return {
    ready: once(child, 'message'),
    stats: () => new Promise<Counts>((resolve) => {
      child.once('message', (m) => resolve(m as Counts));
      child.send('stats');
    }),
    async close() {
      const exited = once(child, 'exit');
      child.send('close');
      await exited;
    },
  };
}

/**
 * Calls `fill` (which sends until its window is full) every millisecond for a 500 ms warm-up and then
 * `seconds`; returns what the child counted in the measured part, per second.
 */
export async function measureDelivery(child: CountingChild, fill: () => void, seconds: number): Promise<{ messagesPerSecond: number; megabytesPerSecond: number }> {
  const keepBusy = async (ms: number) => {
    const until = performance.now() + ms;
    while (performance.now() < until) {
      fill();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  };
  await keepBusy(500);
  const before = await child.stats();
  const started = performance.now();
  await keepBusy(seconds * 1000);
  const after = await child.stats();
  const elapsed = (performance.now() - started) / 1000;
  return {
    messagesPerSecond: (after.messages - before.messages) / elapsed,
    megabytesPerSecond: (after.bytes - before.bytes) / elapsed / 1e6,
  };
}

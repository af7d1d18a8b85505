/**
 * The Go peer (clients/go, pion) against the werift room client, on loopback through a hub in this process:
 * - join -> DataChannel open (both ends report `direct`), by who offers, beside werift <-> werift
 *   (bench/client-datachannel.ts) as the baseline;
 * - messages/s Go -> werift and werift -> Go, 100 B and 16 KiB, bursts of N messages timed from the first
 *   send to the last delivery; beside werift -> werift (a receiver in another process) as the baseline.
 * Each side has its own process: the Go peer is a subprocess fed by stdin; the werift sender or receiver
 * runs here. Run: node --import tsx bench/interop-go.ts [--quick] [--only open|throughput]
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createNodeClient } from '../src/client/node.ts';
import type { RoomClient } from '../src/client/room-client.ts';
import { buildGoPeer } from '../test/helpers/go-peer.ts';
import { benchOpenLatency, percentile, startBenchHub, untilOpen } from './client-datachannel.ts';
import { forkCountingChild } from './counting-child.ts';

const quick = process.argv.includes('--quick');
const onlyIndex = process.argv.indexOf('--only');
const only = onlyIndex === -1 ? undefined : process.argv[onlyIndex + 1];
const OPEN_SAMPLES = quick ? 4 : 20;
const ROUNDS = quick ? 1 : 3;
const BURSTS = [{ size: 100, count: quick ? 2_000 : 20_000 }, { size: 16 * 1024, count: quick ? 100 : 600 }];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => percentile(xs, 50);
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function until(predicate: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(1);
  }
}

/** The Go peer as a subprocess: counts its message events, keeps its other events. */
class GoPeer {
  readonly events: Record<string, unknown>[] = [];
  messages = 0;
  private readonly child: ChildProcessWithoutNullStreams;
  private rest = '';

  constructor(binary: string, args: string[]) {
    this.child = spawn(binary, args);
    this.child.stdout.on('data', (d: Buffer) => {
      const lines = (this.rest + d.toString()).split('\n');
      this.rest = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('{"event":"message"')) this.messages++;
        else if (line.startsWith('{"event":"sent"')) continue;
        else if (line !== '') this.events.push(JSON.parse(line) as Record<string, unknown>);
      }
    });
    this.child.stderr.resume();
  }

  has(event: string, extra: (e: Record<string, unknown>) => boolean = () => true): boolean {
    return this.events.some((e) => e.event === event && extra(e));
  }

  type(text: string): void {
    this.child.stdin.write(text);
  }

  close(): void {
    this.child.kill('SIGKILL');
  }
}

/** ms from the join to both ends reporting `direct`, by who offered (the impolite side: docs/protocol.md). */
async function openTimes(binary: string, url: string, samples: number): Promise<{ pionOffers: number[]; weriftOffers: number[] }> {
  const times = { pionOffers: [] as number[], weriftOffers: [] as number[] };
  for (let i = 0; i < samples; i++) {
    const goSecond = i % 2 === 0;
    const room = `open-${i}`;
    const werift = createNodeClient({ url });
    await werift.connect();
    let go: GoPeer | undefined;
    try {
      let started = 0;
      if (goSecond) {
        const r = await werift.join(room);
        r.on('peer-joined', () => (started = performance.now())); // the hub has taken the Go peer's join
        go = new GoPeer(binary, ['--url', url, '--room', room]);
      } else {
        go = new GoPeer(binary, ['--url', url, '--room', room]);
        await until(() => go!.has('joined'), 'the Go peer joined');
        started = performance.now();
        await werift.join(room);
      }
      await until(() => started > 0 && go!.has('path-change', (e) => e.path === 'direct'), 'Go reports direct');
      const goId = String(go.events.find((e) => e.event === 'joined')!.peerId);
      await untilOpen(werift, goId);
      (goId < werift.peerId ? times.weriftOffers : times.pionOffers).push(performance.now() - started);
    } finally {
      go?.close();
      await werift.close();
    }
  }
  return times;
}

/** messages/s of `count` messages of `size` bytes, from the first send to the last delivery. */
async function burst(send: () => void, delivered: () => number | Promise<number>, count: number): Promise<number> {
  const before = await delivered();
  const started = performance.now();
  send();
  for (;;) {
    if ((await delivered()) - before >= count) break;
    if (performance.now() - started > 120_000) throw new Error('burst did not finish');
    await sleep(1);
  }
  return count / ((performance.now() - started) / 1000);
}

async function throughput(binary: string, url: string) {
  const werift: RoomClient = createNodeClient({ url });
  await werift.connect();
  const room = await werift.join('tp-go');
  let weriftMessages = 0;
  room.on('message', () => weriftMessages++);
  const go = new GoPeer(binary, ['--url', url, '--room', 'tp-go']);
  const baseline = forkCountingChild(new URL('./receiver-process.ts', import.meta.url), [url, 'tp-baseline', 'werift', 'true']);
  const sender: RoomClient = createNodeClient({ url });
  try {
    await until(() => go.has('path-change', (e) => e.path === 'direct'), 'Go reports direct');
    const goId = String(go.events.find((e) => e.event === 'joined')!.peerId);
    await untilOpen(werift, goId);
    await baseline.ready;
    await sender.connect();
    const baselineRoom = await sender.join('tp-baseline');
    const childId = [...baselineRoom.members.keys()][0]!;
    await untilOpen(sender, childId);

    const rows = [];
    for (const { size, count } of BURSTS) {
      const text = 'x'.repeat(size);
      const lines = `${text}\n`.repeat(count);
      const goToWerift: number[] = [];
      const weriftToGo: number[] = [];
      const weriftToWerift: number[] = [];
      // one untimed burst each first: SCTP's congestion window opens, the JIT warms up
      const warm = Math.min(count, 200);
      await burst(() => go.type(`${text}\n`.repeat(warm)), () => weriftMessages, warm);
      await burst(() => { for (let i = 0; i < warm; i++) room.send(text); }, () => go.messages, warm);
      await burst(() => { for (let i = 0; i < warm; i++) baselineRoom.send(text); }, async () => (await baseline.stats()).messages, warm);
      for (let round = 0; round < ROUNDS; round++) {
        goToWerift.push(await burst(() => go.type(lines), () => weriftMessages, count));
        weriftToGo.push(await burst(() => { for (let i = 0; i < count; i++) room.send(text); }, () => go.messages, count));
        weriftToWerift.push(await burst(() => { for (let i = 0; i < count; i++) baselineRoom.send(text); }, async () => (await baseline.stats()).messages, count));
      }
      rows.push({ size, count, goToWerift: median(goToWerift), weriftToGo: median(weriftToGo), weriftToWerift: median(weriftToWerift) });
    }
    return rows;
  } finally {
    go.close();
    await sender.close();
    await werift.close();
    await baseline.close();
  }
}

const buildStarted = performance.now();
const binary = await buildGoPeer();
console.log(`Go peer built in ${fmt((performance.now() - buildStarted) / 1000, 1)} s (node ${process.version})\n`);
const { hub, url } = await startBenchHub();
try {
  if (only === undefined || only === 'open') await reportOpenTimes();
  if (only === undefined || only === 'throughput') await reportThroughput();
} finally {
  await hub.close();
}
process.exit(0);

async function reportOpenTimes() {
  console.log(`join -> DataChannel open, Go (pion) <-> werift on loopback, both ends report direct, n=${OPEN_SAMPLES} (either joins first)`);
  const times = await openTimes(binary, url, OPEN_SAMPLES);
  const row = (label: string, xs: number[]) =>
    console.log(`  ${label.padEnd(30)} ${xs.length === 0 ? 'no sample' : `p50 ${fmt(median(xs))} ms, p95 ${fmt(percentile(xs, 95))} ms, n=${xs.length}`}`);
  row('pion offers (Go impolite)', times.pionOffers);
  row('werift offers (Go polite)', times.weriftOffers);
  const baseline = await benchOpenLatency(OPEN_SAMPLES);
  row('werift <-> werift (baseline)', baseline.samples);
  console.log();
}

async function reportThroughput() {
  console.log(`messages/s, bursts of N messages from first send to last delivery, median of ${ROUNDS} round(s)`);
  console.log('  size      N        Go -> werift   werift -> Go   werift -> werift (baseline)');
  for (const r of await throughput(binary, url)) {
    const mbps = (rate: number) => `${fmt((rate * r.size) / 1e6, 1)} MB/s`;
    console.log(`  ${(r.size + ' B').padEnd(9)} ${String(r.count).padEnd(8)} ${fmt(r.goToWerift).padStart(12)}   ${fmt(r.weriftToGo).padStart(12)}   ${fmt(r.weriftToWerift).padStart(12)}`);
    console.log(`  ${''.padEnd(18)} ${mbps(r.goToWerift).padStart(12)}   ${mbps(r.weriftToGo).padStart(12)}   ${mbps(r.weriftToWerift).padStart(12)}`);
    console.log(`  ${''.padEnd(18)} ${(r.goToWerift / r.weriftToWerift).toFixed(2).padStart(11)}x   ${(r.weriftToGo / r.weriftToWerift).toFixed(2).padStart(11)}x   (ratio to the baseline)`);
  }
}

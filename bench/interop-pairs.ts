/**
 * Every pair of four WebRTC stacks in roomwire rooms, on loopback, through a hub in this process: the Go
 * peer (clients/go, pion), the Python peer (clients/python, aiortc), the werift room client and Chromium
 * (the hub's /roomwire.js in a page): six pairs, and werift <-> werift as the baseline of the same run.
 * Each end has a process of its own (interop-ends.ts).
 * - join -> DataChannel open: from the hub taking the second peer's join to both ends reporting `direct`;
 *   every sample a fresh pair in a fresh room, the two stacks joining first in turn; p50/p95, and p50 by
 *   which stack offered (the impolite one, docs/protocol.md).
 * - messages/s each way, 100 B and 16 KiB: N messages sent back to back, timed from the first send to the
 *   last delivery, median of 3 rounds after an untimed warm-up burst, over one direct link a pair.
 *
 *   node --import tsx bench/interop-pairs.ts [--quick] [--stacks go,python,werift,chromium] [--only open|throughput]
 *
 * It replaces bench/interop-go.ts and bench/interop-python.ts: `--stacks go,werift` is the first.
 */
import { cpus, loadavg } from 'node:os';
import type { Browser } from 'playwright-core';
import type { HubEventMap } from '../src/hub/hub-events.ts';
import { launchChromium } from '../test/helpers/browser.ts';
import { buildGoPeer } from '../test/helpers/go-peer.ts';
import { chromiumHost } from './chromium-end.ts';
import { percentile, startBenchHub } from './client-datachannel.ts';
import { PYTHON_PEER, STACKS, stdioHost, weriftHost, type PairEnd, type Stack, type StackHost } from './interop-ends.ts';
import { printOpenTimes, printThroughput, type OpenSample, type PairResult } from './interop-report.ts';

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const quick = args.includes('--quick');
const only = option('--only');
const stacks = (option('--stacks')?.split(',') ?? [...STACKS]) as Stack[];
if (stacks.some((s) => !STACKS.includes(s)) || !['open', 'throughput', undefined].includes(only)) {
  console.error(`usage: node --import tsx bench/interop-pairs.ts [--quick] [--stacks ${STACKS.join(',')}] [--only open|throughput]`);
  process.exit(2);
}
const OPEN_SAMPLES = quick ? 5 : 12;
const ROUNDS = 3;
/** N a burst, the same for every pair: small enough that the slowest pair (Python) stays within seconds. */
const BURSTS = [{ size: 100, count: quick ? 1_000 : 10_000 }, { size: 16 * 1024, count: quick ? 50 : 300 }];
const median = (xs: number[]) => percentile(xs, 50);

const runStarted = performance.now();
const loadAtStart = loadavg();
const { hub, url, httpUrl } = await startBenchHub();
/** When the hub took each join (performance.now()), by `room peerId`: the start of an open time. */
const joinedAt = new Map<string, number>();
hub.events.listen((event, data) => {
  if (event !== 'peer-joined') return;
  const { room, peerId } = data as HubEventMap['peer-joined'];
  joinedAt.set(`${room} ${peerId}`, performance.now());
});

let browser: Browser | undefined;
const hosts = new Map<Stack, StackHost>();
const baselineHost = weriftHost(url); // werift <-> werift needs a second werift process
let pageErrors: string[] = [];
if (stacks.includes('go')) hosts.set('go', stdioHost('go', [await buildGoPeer()], url));
if (stacks.includes('python')) hosts.set('python', stdioHost('python', PYTHON_PEER, url));
hosts.set('werift', weriftHost(url));
if (stacks.includes('chromium')) {
  browser = await launchChromium();
  const host = await chromiumHost(browser, httpUrl, url);
  hosts.set('chromium', host);
  pageErrors = host.errors;
}

const pairs: [Stack, Stack, StackHost, StackHost][] = [['werift', 'werift', hosts.get('werift')!, baselineHost]];
for (let i = 0; i < stacks.length; i++) {
  for (let j = i + 1; j < stacks.length; j++) pairs.push([stacks[i]!, stacks[j]!, hosts.get(stacks[i]!)!, hosts.get(stacks[j]!)!]);
}

/** Both ends, joined in this order; closed whatever happens. */
async function withPair<T>(first: StackHost, second: StackHost, room: string, use: (e1: PairEnd, e2: PairEnd) => Promise<T>): Promise<T> {
  const ends: PairEnd[] = [];
  try {
    ends.push(await first.join(room));
    ends.push(await second.join(room));
    return await use(ends[0]!, ends[1]!);
  } finally {
    await Promise.allSettled(ends.map((e) => e.close()));
  }
}

async function openSample(first: StackHost, second: StackHost, room: string): Promise<OpenSample> {
  return withPair(first, second, room, async (e1, e2) => {
    const started = joinedAt.get(`${room} ${e2.peerId}`);
    if (started === undefined) throw new Error(`the hub did not report ${e2.stack}'s join`);
    const opened = Math.max(...(await Promise.all([e1.direct(e2.peerId), e2.direct(e1.peerId)])));
    return { ms: opened - started, offerer: (e1.peerId > e2.peerId ? e1 : e2).stack };
  });
}

/** messages/s of N messages from `from` to `to`, from the first send to the `to`'s last delivery. */
function burster() {
  const delivered = new Map<PairEnd, number>(); // messages each end has been sent since its join
  return async (from: PairEnd, to: PairEnd, size: number, count: number): Promise<number> => {
    const total = (delivered.get(to) ?? 0) + count;
    delivered.set(to, total);
    const arrived = to.received(total);
    const started = performance.now();
    from.send(size, count);
    return count / (((await arrived) - started) / 1000);
  };
}

async function throughput(a: StackHost, b: StackHost, room: string): Promise<PairResult['rates']> {
  return withPair(a, b, room, async (ea, eb) => {
    await Promise.all([ea.direct(eb.peerId), eb.direct(ea.peerId)]);
    const burst = burster();
    const rates: PairResult['rates'] = [];
    for (const { size, count } of BURSTS) {
      // untimed first: SCTP's congestion windows open, JITs warm up
      await burst(ea, eb, size, count / 5);
      await burst(eb, ea, size, count / 5);
      const ab: number[] = [];
      const ba: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        ab.push(await burst(ea, eb, size, count));
        ba.push(await burst(eb, ea, size, count));
      }
      rates.push({ size, count, ab: median(ab), ba: median(ba) });
    }
    if (!ea.stillDirect(eb.peerId) || !eb.stillDirect(ea.peerId)) throw new Error('a link left the direct path during the bursts');
    return rates;
  });
}

const results: PairResult[] = [];
try {
  for (const [sa, sb, a, b] of pairs) {
    const result: PairResult = { a: sa, b: sb, open: [], openFailures: [], rates: [] };
    results.push(result);
    const tag = `${sa}-${sb}`;
    if (only !== 'throughput') {
      for (let i = 0; i < OPEN_SAMPLES; i++) {
        const [first, second] = i % 2 === 0 ? [a, b] : [b, a];
        await openSample(first, second, `open-${tag}-${i}`).then((s) => result.open.push(s), (err: Error) => result.openFailures.push(err.message));
      }
    }
    if (only !== 'open') result.rates = await throughput(a, b, `tp-${tag}`).catch((err: Error) => ((result.ratesFailure = err.message), []));
    process.stderr.write(`  ${tag} done at ${((performance.now() - runStarted) / 1000).toFixed(0)} s\n`);
  }
} finally {
  for (const host of [...hosts.values(), baselineHost]) await host.close();
  await browser?.close();
  await hub.close();
}

console.log(`roomwire: every pair of four WebRTC stacks on loopback (node ${process.version}${browser ? `, chromium ${browser.version()}` : ''}${quick ? ', quick' : ''})`);
console.log(`machine: ${cpus().length} cores shared with other work (load average ${loadAtStart[0]!.toFixed(2)} at the start, ` +
  `${loadavg()[0]!.toFixed(2)} at the end): the numbers are noisy; compare each with the werift <-> werift baseline of the same run.\n`);
if (only !== 'throughput') printOpenTimes(results, OPEN_SAMPLES);
if (only !== 'open') printThroughput(results, ROUNDS);
console.log(`run: node --import tsx bench/interop-pairs.ts ${args.join(' ')}`.trimEnd() + `; took ${((performance.now() - runStarted) / 1000).toFixed(0)} s`);
if (pageErrors.length > 0) console.log(`page errors: ${pageErrors.join('; ')}`);
process.exit(results.some((r) => r.openFailures.length > 0 || r.ratesFailure !== undefined) ? 1 : 0);

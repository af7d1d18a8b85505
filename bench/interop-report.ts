/** The tables bench/interop-pairs.ts prints. */
import { percentile } from './client-datachannel.ts';
import { fmt } from './hub-relay.ts';
import type { Stack } from './interop-ends.ts';

export interface OpenSample {
  ms: number;
  /** The stack that offered: the impolite end, with the larger peer id (docs/protocol.md). */
  offerer: Stack;
}

export interface PairResult {
  a: Stack;
  b: Stack;
  open: OpenSample[];
  openFailures: string[];
  /** messages/s, medians of the rounds: a -> b and b -> a. */
  rates: { size: number; count: number; ab: number; ba: number }[];
  ratesFailure?: string;
}

const isBaseline = (r: PairResult) => r.a === r.b;
const pairName = (r: PairResult) => `${r.a} <-> ${r.b}${isBaseline(r) ? ' (baseline)' : ''}`;
const sizeName = (size: number) => (size >= 1024 ? `${size / 1024} KiB` : `${size} B`);

export function printOpenTimes(results: PairResult[], samples: number): void {
  console.log(`join -> DataChannel open: from the hub taking the second peer's join to both ends reporting \`direct\`, ms;`);
  console.log(`n=${samples} a pair, each a fresh pair in a fresh room, the two stacks joining first in turn (p95 of so few is about the max)`);
  console.log(`  ${'pair'.padEnd(30)} ${'p50'.padStart(6)} ${'p95'.padStart(6)} ${'min'.padStart(6)}   p50 by the stack that offered`);
  for (const r of results) {
    const ms = r.open.map((s) => s.ms);
    const byOfferer = isBaseline(r) ? '' : [r.a, r.b].map((stack) => {
      const xs = r.open.filter((s) => s.offerer === stack).map((s) => s.ms);
      return `${stack} ${xs.length === 0 ? '-' : fmt(percentile(xs, 50))} (n=${xs.length})`;
    }).join(', ');
    const stats = ms.length === 0 ? '     -      -      -' : [50, 95].map((p) => fmt(percentile(ms, p)).padStart(6)).join(' ') + ' ' + fmt(Math.min(...ms)).padStart(6);
    console.log(`  ${pairName(r).padEnd(30)} ${stats}   ${byOfferer}`);
    if (r.openFailures.length > 0) console.log(`    ${r.openFailures.length} sample(s) failed, first: ${r.openFailures[0]}`);
  }
  console.log();
}

export function printThroughput(results: PairResult[], rounds: number): void {
  const sizes = results.find((r) => r.rates.length > 0)?.rates ?? [];
  const baseline = results.find(isBaseline)?.rates ?? [];
  const baselineRate = (size: number) => {
    const b = baseline.find((x) => x.size === size);
    return b === undefined ? NaN : (b.ab + b.ba) / 2;
  };
  console.log(`messages/s over the direct path: N messages sent back to back, from the first send to the last delivery;`);
  console.log(`median of ${rounds} rounds after an untimed burst of N/5; x: against werift -> werift (mean of its two directions)`);
  console.log(`  ${'direction'.padEnd(30)} ${sizes.map((s) => `${sizeName(s.size)} (N=${s.count})`.padStart(30)).join(' ')}`);
  for (const r of results) {
    if (r.ratesFailure !== undefined) console.log(`  ${pairName(r).padEnd(30)} failed: ${r.ratesFailure}`);
    for (const [from, to, pick] of [[r.a, r.b, 'ab'], [r.b, r.a, 'ba']] as const) {
      if (r.rates.length === 0) continue;
      const cells = r.rates.map((x) => {
        const rate = x[pick];
        return `${fmt(rate)} msg/s ${fmt((rate * x.size) / 1e6, 1)} MB/s ${(rate / baselineRate(x.size)).toFixed(2)}x`.padStart(30);
      });
      console.log(`  ${`${from} -> ${to}${isBaseline(r) ? ' (baseline)' : ''}`.padEnd(30)} ${cells.join(' ')}`);
    }
  }
  console.log(`  go, python: each prints a JSON line for every message it receives (with the data; Python flushes each line) and`);
  console.log(`  for every one it sends, and takes its messages as lines on stdin: their rates include that work and may be bounded by it.`);
  console.log(`  werift and chromium count messages where they arrive, in their own process. All four batch small messages into`);
  console.log(`  DataChannel messages (the room client's coalesce, on by default; the Go and Python peers' record batches).`);
  console.log();
}

/** The fuzz report as text: what was sent, what the hub answered, and whether the hub and the pair came through. */
import { mb, type FuzzReport } from './engine.ts';
import type { PairSide } from './pair.ts';

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const counts = (c: Record<string, number>) => Object.entries(c).map(([k, v]) => `${k} ${n(v)}`).join(', ') || 'none';

function side(s: PairSide): string {
  const lost = s.sent - s.inOrder;
  return `${n(s.inOrder)} of ${n(s.sent)} in order, ${n(lost)} lost, ${n(s.duplicates)} duplicated, ${n(s.outOfOrder)} out of order ` +
    `(besides ${n(s.noise)} fuzz frames)${s.problems.length > 0 ? '; ' + s.problems.join('; ') : ''}`;
}

export function formatReport(r: FuzzReport): string {
  const { hub } = r;
  const lines = [
    `  frames sent:     ${n(r.framesSent)} (${mb(r.bytesSent)}) in ${r.seconds.toFixed(1)} s -> ${n(r.framesPerSecond)} frames/s, over ${n(r.connects)} connections`,
    `  CPU time:        hub ${r.cpuSeconds.hub.toFixed(1)} s, fuzzers and pair ${r.cpuSeconds.fuzzer.toFixed(1)} s (the machine's other load shares the cores)`,
    `  frame kinds:     ${counts(r.kinds)}`,
    `  hub closes:      ${counts(r.closes)}`,
    `  our own closes:  ${counts(r.dropsByUs)}`,
    `  error replies:   ${counts(r.errors)}`,
    `  all replies:     ${counts(r.replies)}`,
    `  refused:         ${counts(r.refused)}`,
    `  hub:             ${hub.crashed ? 'CRASHED' : hub.hung ? 'HUNG (no /healthz answer)' : 'alive, 0 crashes'}; ` +
      `/healthz ${hub.finalHealth}; slowest /healthz during the run ${n(hub.maxHealthMs)} ms; peak RSS ${mb(hub.peakRssBytes)}; ` +
      `SIGTERM -> ${hub.stop === undefined ? 'not sent' : `exit ${hub.stop.code ?? hub.stop.signal} in ${n(hub.stop.ms)} ms`}`,
    `  hub warnings:    ${counts(hub.warnings)}`,
  ];
  if (hub.errorLines.length > 0) lines.push(`  hub error logs:  ${hub.errorLines.length}\n    ${hub.errorLines.join('\n    ')}`);
  if (hub.stderrTail !== '') lines.push(`  hub stderr:\n${hub.stderrTail}`);
  if (r.violations.length > 0) lines.push(`  violations:      ${r.violations.join('\n    ')}`);
  if (r.pair === undefined) lines.push('  pair:            not checked (the hub was gone)');
  else lines.push(`  pair a -> b:     ${side(r.pair.aToB)}`, `  pair b -> a:     ${side(r.pair.bToA)}`);
  if (r.timedOut) lines.push(`  TIMED OUT after ${r.options.maxSeconds} s`);
  if (r.dumpPath !== undefined) lines.push(`  last frames sent: ${r.dumpPath}`);
  lines.push(`  outcome:         ${r.ok ? 'OK' : 'FAILED'}`);
  return lines.join('\n');
}

/**
 * `npm run bench`: every benchmark, each reporting a ratio against a baseline measured in the same run.
 * Options: --quick (fewer, shorter rounds, for a smoke run).
 */
import { benchHubRelay } from './hub-relay.ts';

const quick = process.argv.includes('--quick');
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

console.log(`roomwire benchmarks (node ${process.version}${quick ? ', quick' : ''})\n`);

const relay = await benchHubRelay(quick ? { rounds: 1, count: 10_000 } : {});
console.log('hub relay: `signal` with a ~250 B ICE candidate, A -> server -> B, 1,000 in flight');
console.log(`  candidate ${relay.dataBytes} B, client frame ${relay.frameBytes} B`);
console.log(`  bare ws relay (parse, stamp from, forward): ${relay.bareRates.map(fmt).join(', ')} msg/s -> median ${fmt(relay.bareMedian)}`);
console.log(`  roomwire hub:                               ${relay.hubRates.map(fmt).join(', ')} msg/s -> median ${fmt(relay.hubMedian)}`);
console.log(`  ratio hub / bare: ${relay.ratio.toFixed(2)}x (target >= 0.90x)`);

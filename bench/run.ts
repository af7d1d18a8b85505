/**
 * `npm run bench`: every benchmark, each reporting against a baseline measured in the same run.
<<<<<<< HEAD
 * Options: --quick (fewer, shorter rounds, for a smoke run); --only relay|client|server|y-webrtc|peerjs|cluster.
=======
 * Options: --quick (fewer, shorter rounds, for a smoke run); --only relay|client|server|y-webrtc|peerjs|vs;
 * --idle N (vs: idle connections a server, default 10,000; this process holds them, so below its open-file limit).
>>>>>>> perf-bench
 */
import { benchOpenLatency, benchThroughput, type ThroughputResult } from './client-datachannel.ts';
import { benchYWebrtc } from './compat-y-webrtc.ts';
import { benchHubRelay, fmt } from './hub-relay.ts';
import { benchServerFanout } from './server-fanout.ts';
import { benchPeerjs } from './compat-peerjs.ts';
import { printCluster } from './cluster-report.ts';
import { benchVs, VS_QUICK } from './vs-peerjs.ts';
import { reportVs } from './vs-report.ts';

const quick = process.argv.includes('--quick');
const onlyIndex = process.argv.indexOf('--only');
const only = onlyIndex === -1 ? undefined : process.argv[onlyIndex + 1];
const idleIndex = process.argv.indexOf('--idle');
const idle = idleIndex === -1 ? undefined : Number(process.argv[idleIndex + 1]);
if (idle !== undefined && !(Number.isInteger(idle) && idle > 0)) throw new Error('--idle takes a positive whole number of connections');

console.log(`roomwire benchmarks (node ${process.version}${quick ? ', quick' : ''})\n`);

if (only === undefined || only === 'relay') {
  const relay = await benchHubRelay(quick ? { rounds: 1, count: 10_000 } : {});
  console.log('hub relay: `signal` with a ~250 B ICE candidate, A -> server -> B, 1,000 in flight');
  console.log(`  candidate ${relay.dataBytes} B, client frame ${relay.frameBytes} B`);
  console.log(`  bare ws relay (parse, stamp from, forward): ${relay.bareRates.map((r) => fmt(r)).join(', ')} msg/s -> median ${fmt(relay.bareMedian)}`);
  console.log(`  roomwire hub:                               ${relay.hubRates.map((r) => fmt(r)).join(', ')} msg/s -> median ${fmt(relay.hubMedian)}`);
  console.log(`  ratio hub / bare: ${relay.ratio.toFixed(2)}x (target >= 0.90x)\n`);
}

if (only === undefined || only === 'client') {
  const open = await benchOpenLatency(quick ? 5 : 20);
  console.log(`room client: join -> DataChannel open (both ends), werift pairs on loopback, n=${open.samples.length}`);
  console.log(`  p50 ${fmt(open.p50)} ms, p95 ${fmt(open.p95)} ms\n`);

  const seconds = quick ? 1 : 3;
  const rows: ThroughputResult[] = [];
  for (const stack of ['werift', 'node-datachannel'] as const) {
    for (const size of [100, 16 * 1024]) {
      for (const coalesce of [true, false]) rows.push(await benchThroughput(stack, size, coalesce, seconds));
    }
  }
  console.log(`room client: DataChannel throughput between two clients in two processes, ${seconds} s each`);
  console.log('  stack              size      coalescing   messages/s        MB/s');
  for (const r of rows) {
    console.log(`  ${r.stack.padEnd(18)} ${(r.size + ' B').padEnd(9)} ${(r.coalesce ? 'on' : 'off').padEnd(12)} ${fmt(r.messagesPerSecond).padStart(10)} ${fmt(r.megabytesPerSecond, 2).padStart(11)}`);
  }
  const pick = (stack: string, size: number, coalesce: boolean) => rows.find((r) => r.stack === stack && r.size === size && r.coalesce === coalesce)!;
  const w100 = pick('werift', 100, true);
  console.log(`  werift 100 B with coalescing: ${fmt(w100.messagesPerSecond)} msg/s (target >= 20,000); ` +
    `${(w100.messagesPerSecond / pick('werift', 100, false).messagesPerSecond).toFixed(0)}x without coalescing; ` +
    `${(w100.messagesPerSecond / pick('node-datachannel', 100, true).messagesPerSecond).toFixed(2)}x node-datachannel`);
}
if (only === undefined || only === 'server') {
  const seconds = quick ? 1 : 3;
  const rows = [await benchServerFanout('werift', 10, seconds), await benchServerFanout('node-datachannel', 10, seconds)];
  console.log(`\nserver peer fan-out: ~150 B chat messages broadcast by the server peer to 10 werift members (another process) of a star room, ${seconds} s`);
  for (const r of rows) console.log(`  server on ${r.stack.padEnd(17)} ${fmt(r.messagesPerSecond).padStart(8)} msg/s delivered in aggregate, ${fmt(r.megabytesPerSecond, 2)} MB/s`);
  console.log(`  werift: ${(rows[0]!.messagesPerSecond / 20_000).toFixed(2)}x the 20,000 msg/s target; ${(rows[0]!.messagesPerSecond / rows[1]!.messagesPerSecond).toFixed(2)}x node-datachannel`);
}
if (only === undefined || only === 'y-webrtc') {
  const y = await benchYWebrtc(quick ? { rounds: 1, count: 10_000, idle: 500 } : {});
  const kib = (bytes: number[]) => bytes.map((b) => fmt(b / 1024, 1)).join(', ');
  console.log(`\ny-webrtc signaling: roomwire --y-webrtc against y-webrtc's bin/server.js, each in its own process`);
  console.log(`  publish of a ~250 B ICE candidate signal (publish frame ${y.frameBytes} B) to a topic of 3 subscribers, 1,000 in flight`);
  console.log(`  y-webrtc server: ${y.rates.original.map((r) => fmt(r)).join(', ')} publishes/s`);
  console.log(`  roomwire:        ${y.rates.roomwire.map((r) => fmt(r)).join(', ')} publishes/s`);
  console.log(`  ratio roomwire / y-webrtc server (medians): ${y.rateRatio.toFixed(2)}x`);
  console.log(`  server RSS per idle socket subscribed to one topic (${fmt(y.idle)} sockets): y-webrtc server ${kib(y.memory.original)} KiB; roomwire ${kib(y.memory.roomwire)} KiB`);
  console.log(`  ratio roomwire / y-webrtc server (medians): ${y.memoryRatio.toFixed(2)}x`);
}
if (only === undefined || only === 'peerjs') {
  const r = await benchPeerjs(quick ? { rounds: 1, count: 10_000, idle: 500 } : {});
  console.log(`\nPeerJS relay: CANDIDATE (${r.frameBytes} B as relayed) A -> server -> B, 1,000 in flight; each server its own command in its own process`);
  console.log(`  peerjs-server (peerjs): ${r.rates.peerjs.map((x) => fmt(x)).join(', ')} msg/s -> median ${fmt(r.medians.peerjs)}`);
  console.log(`  roomwire hub --peerjs:  ${r.rates.roomwire.map((x) => fmt(x)).join(', ')} msg/s -> median ${fmt(r.medians.roomwire)}`);
  console.log(`  ratio roomwire / peerjs-server: ${r.relayRatio.toFixed(2)}x`);
  const kib = (bytes: number) => `${fmt(bytes / 1024, 1)} KiB`;
  console.log(`PeerJS idle sockets: ${fmt(r.idle)} holding ids; growth of the server's live heap (after GC) and RSS, per socket`);
  console.log(`  peerjs-server: heap ${kib(r.idleBytes.peerjs.heap)}, RSS ${kib(r.idleBytes.peerjs.rss)}`);
  console.log(`  roomwire:      heap ${kib(r.idleBytes.roomwire.heap)}, RSS ${kib(r.idleBytes.roomwire.rss)}`);
  console.log(`  ratio roomwire / peerjs-server (heap): ${r.idleRatio.toFixed(2)}x`);
}
if (only === undefined || only === 'vs') {
  const r = await benchVs({ ...(quick ? VS_QUICK : {}), ...(idle === undefined ? {} : { idle }) });
  console.log(`\n${reportVs(r).join('\n')}`);
}
if (only === undefined || only === 'cluster') await printCluster(quick);
process.exit(0);

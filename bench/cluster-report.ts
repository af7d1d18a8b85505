/** What `npm run bench -- --only cluster` prints (bench/cluster.ts measures). */
import { benchCluster, type ClusterBenchOptions } from './cluster.ts';
import type { JoinRound } from './cluster-joins.ts';
import { CANDIDATE, fmt, median } from './hub-relay.ts';

export async function printCluster(quick: boolean): Promise<void> {
  const options: ClusterBenchOptions = quick
    ? { rounds: 1, count: 10_000, latencySamples: 400, latencyBlocks: 2, joinClients: 400, joinRounds: 1 }
    : { rounds: 5, count: 50_000, latencySamples: 2_000, latencyBlocks: 5, joinClients: 2_000, joinRounds: 3 };
  const r = await benchCluster(options);
  const frameBytes = JSON.stringify({ type: 'signal', to: '00000000-0000-4000-8000-000000000000', data: CANDIDATE }).length;
  const m = r.medians;
  console.log('\ncluster: two `roomwire hub --redis-url` sharing one redis-server, a `roomwire hub` without Redis, and the bare ws relay; each its own process');
  console.log(`relay: \`signal\` frames of ${frameBytes} B A -> B, 1,000 in flight, ${options.rounds} round(s) of ${fmt(options.count!)} in alternating order`);
  const row = (label: string, rates: number[], median: number) => console.log(`  ${label.padEnd(34)} ${rates.map((x) => fmt(x)).join(', ')} msg/s -> median ${fmt(median)}`);
  row('bare ws relay:', r.rates.bare, m.bare);
  row('hub without Redis:', r.rates.alone, m.alone);
  row('Redis hubs, A and B on one hub:', r.rates.sameHub, m.sameHub);
  row('Redis hubs, A and B on two hubs:', r.rates.crossHub, m.crossHub);
  console.log(`  ratio to bare: hub without Redis ${(m.alone / m.bare).toFixed(2)}x, one Redis hub ${(m.sameHub / m.bare).toFixed(2)}x, two Redis hubs ${(m.crossHub / m.bare).toFixed(2)}x`);
  console.log(`  same-hub pair with Redis / hub without Redis: ${(m.sameHub / m.alone).toFixed(2)}x (the same-hub path must not get slower: ~1.00x)`);
  console.log(`  Redis PUBLISH per relayed message (pair set-up included): one hub ${r.publishesPerMessage.sameHub.toFixed(3)}, two hubs ${r.publishesPerMessage.crossHub.toFixed(3)}`);

  const l = r.latency;
  const lat = (label: string, x: typeof l.bare) => console.log(`  ${label.padEnd(34)} p50 ${x.p50.toFixed(3)} ms, p99 ${x.p99.toFixed(3)} ms`);
  console.log(`signal latency A -> B, one at a time (send time in the message), n=${fmt(l.crossHub.samples)} each, blocks interleaved`);
  lat('bare ws relay:', l.bare);
  lat('hub without Redis:', l.alone);
  lat('Redis hubs, A and B on one hub:', l.sameHub);
  lat('Redis hubs, A and B on two hubs:', l.crossHub);

  const joins = (label: string, rounds: JoinRound[]) => {
    console.log(`  ${label.padEnd(34)} ${rounds.map((x) => fmt(x.joinsPerSecond)).join(', ')} joins/s -> median ${fmt(median(rounds.map((x) => x.joinsPerSecond)))}`);
    const known = rounds.map((x) => x.convergedMs === undefined ? `${fmt(x.unannounced)} clients still missing a room mate (a lost peer-joined)` : `${fmt(x.convergedMs)} ms`);
    console.log(`  ${''.padEnd(34)} every client knows all its room mates after: ${known.join('; ')}`);
  };
  console.log(`joins: ${fmt(r.joinClients)} open sockets (from 8 addresses) join rooms of ${r.roomSize} at once, ${options.joinRounds} round(s) in alternating order`);
  joins('two Redis hubs (rooms span both):', r.joins.cluster);
  joins('one hub without Redis:', r.joins.alone);
  const ratio = median(r.joins.cluster.map((x) => x.joinsPerSecond)) / median(r.joins.alone.map((x) => x.joinsPerSecond));
  console.log(`  ratio two Redis hubs / one hub without Redis: ${ratio.toFixed(2)}x`);
  console.log(`cluster section took ${fmt(r.seconds)} s`);
}

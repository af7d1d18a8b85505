/**
 * Several hubs on one Redis, in the same run as their baselines: a real redis-server (no persistence), two
 * `roomwire hub --redis-url` processes sharing it, one `roomwire hub` without Redis, and the bare ws relay
 * of bench/hub-relay.ts, each in its own process, driven from this one:
 * - relay: the hub-relay driver (~332 B signal frames, `window` in flight) for a pair on the hub without
 *   Redis, a pair on one Redis hub, and a pair split over the two; rounds alternate their order. Redis's
 *   PUBLISH count over each measured round shows which frames went through Redis;
 * - latency: one signal at a time, its send time inside, A -> B, for the same pairs (blocks interleaved);
 * - joins: `joinClients` sockets joining rooms of `roomSize` at once, through the two Redis hubs, and
 *   through the hub without Redis alone; rounds alternate.
 * Every child is stopped when the section ends, fails or overruns `deadlineMs`.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { percentile } from './client-datachannel.ts';
import { pairLatencies, pairRate } from './cluster-clients.ts';
import { startHubChild, startRedisServer, type Child, type HubChild } from './cluster-children.ts';
import { joinRound, type JoinRound } from './cluster-joins.ts';
import { median, startRelayServer } from './hub-relay.ts';

export interface ClusterBenchOptions {
  rounds?: number;
  count?: number;
  window?: number;
  /** latency samples per pair kind, taken in `latencyBlocks` interleaved blocks */
  latencySamples?: number;
  latencyBlocks?: number;
  joinClients?: number;
  roomSize?: number;
  joinRounds?: number;
  deadlineMs?: number;
}

type PairKind = 'bare' | 'alone' | 'sameHub' | 'crossHub';

export interface Latency {
  p50: number;
  p99: number;
  samples: number;
}

export interface ClusterBenchResult {
  rates: Record<PairKind, number[]>;
  medians: Record<PairKind, number>;
  /** Redis PUBLISH commands per relayed message over the measured rounds */
  publishesPerMessage: { sameHub: number; crossHub: number };
  latency: Record<PairKind, Latency>;
  joins: { cluster: JoinRound[]; alone: JoinRound[] };
  joinClients: number;
  roomSize: number;
  seconds: number;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const KINDS: PairKind[] = ['bare', 'alone', 'sameHub', 'crossHub'];

async function publishCount(redis: Redis): Promise<number> {
  const stats = await redis.info('commandstats');
  return Number(/cmdstat_publish:calls=(\d+)/.exec(stats)?.[1] ?? 0);
}

export async function benchCluster(options: ClusterBenchOptions = {}): Promise<ClusterBenchResult> {
  const { deadlineMs = 150_000 } = options;
  const children: Child[] = [];
  const progress = { stage: 'starting' };
  let timer: NodeJS.Timeout | undefined;
  const overrun = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`cluster benchmark overran ${deadlineMs / 1000} s, in ${progress.stage}`)), deadlineMs);
  });
  try {
    return await Promise.race([run(options, children, progress), overrun]);
  } finally {
    clearTimeout(timer);
    await Promise.all(children.map((c) => c.stop()));
  }
}

async function run(options: ClusterBenchOptions, children: Child[], progress: { stage: string }): Promise<ClusterBenchResult> {
  const {
    rounds = 5, count = 50_000, window = 1_000, latencySamples = 2_000, latencyBlocks = 5,
    joinClients = 2_000, roomSize = 4, joinRounds = 3,
  } = options;
  const started = performance.now();
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' }); // `roomwire hub` runs dist/
  const keep = <T extends Child>(child: T): T => (children.push(child), child);
  const redisServer = keep(await startRedisServer());
  const [bare, alone, hub1, hub2] = await Promise.all([
    startRelayServer('bare').then(keep),
    startHubChild().then(keep),
    startHubChild(['--redis-url', redisServer.url]).then(keep),
    startHubChild(['--redis-url', redisServer.url]).then(keep),
  ]) as [Awaited<ReturnType<typeof startRelayServer>>, HubChild, HubChild, HubChild];
  const redis = new Redis(redisServer.url, { lazyConnect: true });
  children.push({ stop: async () => void redis.disconnect() });
  await redis.connect();

  const ends: Record<PairKind, [string, string]> = {
    bare: [bare.url, bare.url], alone: [alone.url, alone.url], sameHub: [hub1.url, hub1.url], crossHub: [hub1.url, hub2.url],
  };
  const announced = (kind: PairKind) => kind !== 'bare'; // the bare relay has no rooms, so no peer-joined
  const rate = (kind: PairKind, n: number) => pairRate(...ends[kind], announced(kind), n, window);

  // relay throughput
  progress.stage = 'relay';
  for (const kind of KINDS) await rate(kind, count / 5); // warm up every JIT
  const rates = { bare: [], alone: [], sameHub: [], crossHub: [] } as Record<PairKind, number[]>;
  const publishes = { sameHub: 0, crossHub: 0 };
  for (let i = 0; i < rounds; i++) {
    // alternate the order so that drift on a shared machine hits every kind alike
    for (const kind of i % 2 === 0 ? KINDS : [...KINDS].reverse()) {
      const before = await publishCount(redis);
      rates[kind].push(await rate(kind, count));
      if (kind === 'sameHub' || kind === 'crossHub') publishes[kind] += (await publishCount(redis)) - before;
    }
  }
  const medians = Object.fromEntries(KINDS.map((k) => [k, median(rates[k])])) as Record<PairKind, number>;

  // signal latency, one at a time
  progress.stage = 'latency';
  const samples = { bare: [], alone: [], sameHub: [], crossHub: [] } as Record<PairKind, number[]>;
  const perBlock = Math.ceil(latencySamples / latencyBlocks);
  for (let b = 0; b < latencyBlocks; b++) {
    for (const kind of b % 2 === 0 ? KINDS : [...KINDS].reverse()) samples[kind].push(...await pairLatencies(...ends[kind], announced(kind), perBlock));
  }
  const latency = Object.fromEntries(KINDS.map((k) => [k, { p50: percentile(samples[k], 50), p99: percentile(samples[k], 99), samples: samples[k].length }])) as Record<PairKind, Latency>;

  // joins
  progress.stage = 'joins';
  const joins = { cluster: [] as JoinRound[], alone: [] as JoinRound[] };
  for (const hubs of [[hub1, hub2], [alone]]) await joinRound(hubs, joinClients / 5, roomSize); // warm up (Redis loads the scripts)
  for (let i = 0; i < joinRounds; i++) {
    const order = i % 2 === 0 ? (['cluster', 'alone'] as const) : (['alone', 'cluster'] as const);
    for (const which of order) joins[which].push(await joinRound(which === 'cluster' ? [hub1, hub2] : [alone], joinClients, roomSize));
  }

  const messages = rounds * count;
  return {
    rates, medians, latency, joins, joinClients, roomSize,
    publishesPerMessage: { sameHub: publishes.sameHub / messages, crossHub: publishes.crossHub / messages },
    seconds: (performance.now() - started) / 1000,
  };
}

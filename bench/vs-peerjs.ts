/**
 * roomwire against peerjs-server on its own ground, and both against a bare JSON relay on `ws`: ONE driver
 * (this process) against three servers (bench/vs-servers.ts), each in its own process, in the same run,
 * the order rotating from round to round, medians of the rounds.
 * - relay: a ~250 B ICE candidate A -> server -> B in each server's own protocol (roomwire `signal` in a
 *   room both joined; peerjs CANDIDATE with dst/payload; the bare relay's signal), 1,000 in flight: messages
 *   per second, and the server's CPU time per message (/proc/<pid>/stat), which other processes on the
 *   cores hardly move;
 * - idle: `idle` connections held open (roomwire: each joined to a room of 10; peerjs-server: each holding
 *   an id; bare: open), on fresh servers each round. Memory is the growth of the server's RSS (VmRSS) and
 *   of its live heap (heapUsed + external) after forced full collections, per connection, read once the
 *   connections are idle (roomwire: after the heartbeat that confirms, and frees, the frames it kept for a
 *   resume; Contender.idle), at N/2 and at N connections (idleRound);
 * - connect+join: the time to open those connections, `concurrency` in flight for every server, and the
 *   server's CPU time for it.
 * The connections come from many 127.0.0.x addresses; roomwire's per-address limits are lifted too.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type WebSocket from 'ws';
import { loopbackAddresses, openMany, terminateAll } from './connections.ts';
import { cpuSeconds, loadAverage } from './proc-stats.ts';
import { KINDS, startContender, type Contender, type Kind } from './vs-servers.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface VsOptions {
  /** Relay rounds (each server once a round) and signals per round. */
  rounds: number;
  count: number;
  window: number;
  /** Idle connections per server, and rounds of them (fresh servers each). */
  idle: number;
  idleRounds: number;
  /** Connections being opened at once. */
  concurrency: number;
  /** Loopback source addresses the idle connections are spread over (127.0.0.2 ...). */
  addresses: number;
}

export const VS_DEFAULTS: VsOptions = { rounds: 6, count: 40_000, window: 1_000, idle: 10_000, idleRounds: 5, concurrency: 200, addresses: 16 };
export const VS_QUICK: Partial<VsOptions> = { rounds: 1, count: 20_000, idle: 2_000, idleRounds: 1 };

export interface IdleRound {
  /** RSS growth after GC from N/2 to N connections, bytes per connection: what one more connection costs. */
  rssPerConnection: number;
  /** RSS growth after GC from none to N, bytes per connection: with the fixed costs of serving at all (JIT code, V8's young generation grown to its size). */
  rssPerConnectionFromEmpty: number;
  /** Live heap (heapUsed + external) growth after GC from N/2 to N, bytes per connection. */
  heapPerConnection: number;
  /** The server's RSS with the N connections idle (after GC), bytes. */
  idleRss: number;
  /** Time to open (and join) the N connections (both halves). */
  seconds: number;
  /** CPU time the server spent on that, seconds per connection. */
  cpuPerConnection: number;
}

type PerKind<T> = Record<Kind, T>;
const perKind = <T>(make: () => T): PerKind<T> => ({ roomwire: make(), peerjs: make(), bare: make() });

export interface VsResult {
  options: VsOptions;
  /** /proc/loadavg's 1, 5 and 15 minute averages at the start and at the end: the machine may be shared. */
  load: { start: string; end: string };
  relay: PerKind<RelayRound[]>;
  idle: PerKind<IdleRound[]>;
}

export interface RelayRound {
  /** Messages per second, as B receives them. */
  rate: number;
  /** CPU time the server process spent, seconds per message: what sharing the cores hardly moves. */
  cpuPerMessage: number;
}

/** The order of the servers in round `i`: each takes each place in turn. */
const orderOf = (i: number): Kind[] => KINDS.map((_, j) => KINDS[(i + j) % KINDS.length]!);

const live = (m: NodeJS.MemoryUsage) => m.heapUsed + m.external;

async function relayRound(server: Contender, o: VsOptions): Promise<RelayRound> {
  const cpu = cpuSeconds(server.pid);
  const rate = await server.relayRate(o.count, o.window);
  return { rate, cpuPerMessage: (cpuSeconds(server.pid) - cpu) / o.count };
}

async function relayRounds(o: VsOptions): Promise<PerKind<RelayRound[]>> {
  const servers: Contender[] = [];
  try {
    for (const kind of KINDS) servers.push(await startContender(kind, 1_000));
    const server = (kind: Kind) => servers.find((s) => s.kind === kind)!;
    for (const s of servers) await s.relayRate(o.count / 5, o.window); // warm up the JITs
    const rounds = perKind<RelayRound[]>(() => []);
    for (let i = 0; i < o.rounds; i++) {
      for (const kind of orderOf(i)) rounds[kind].push(await relayRound(server(kind), o));
    }
    return rounds;
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

/**
 * One idle round on a fresh server of `kind`: opens N/2 connections, lets them idle, reads the memory; the
 * same again for the second half. Memory after GC still holds what V8 and malloc have not given back (V8's
 * memory reducer returns pages only after seconds of quiet): the growth over the second half is the cost of
 * a connection, the growth from none adds the fixed cost of serving at all.
 */
async function idleRound(kind: Kind, o: VsOptions, addresses: string[]): Promise<IdleRound> {
  const server = await startContender(kind, o.idle);
  const sockets: WebSocket[] = [];
  const half = Math.floor(o.idle / 2);
  let seconds = 0;
  let cpu = 0;
  const openIdle = async (first: number, count: number) => {
    const cpuBefore = cpuSeconds(server.pid);
    const opened = await openMany((i, from) => server.open(i, from), { first, count, concurrency: o.concurrency, addresses });
    sockets.push(...opened.sockets);
    if (opened.error) throw new Error(`${kind}: ${sockets.length} of ${o.idle} connections opened; then ${opened.error.message}`);
    seconds += opened.seconds;
    cpu += cpuSeconds(server.pid) - cpuBefore;
    await server.idle();
    return { memory: await server.memory(), rss: server.rss() };
  };
  try {
    const empty = { memory: await server.memory(), rss: server.rss() };
    const middle = await openIdle(0, half);
    const full = await openIdle(half, o.idle - half);
    return {
      rssPerConnection: (full.rss - middle.rss) / (o.idle - half),
      rssPerConnectionFromEmpty: (full.rss - empty.rss) / o.idle,
      heapPerConnection: (live(full.memory) - live(middle.memory)) / (o.idle - half),
      idleRss: full.rss,
      seconds,
      cpuPerConnection: cpu / o.idle,
    };
  } finally {
    await server.stop(); // first: the sockets then close without handshakes and leave no TIME_WAIT on this side
    terminateAll(sockets);
  }
}

export async function benchVs(overrides: Partial<VsOptions> = {}): Promise<VsResult> {
  const o = { ...VS_DEFAULTS, ...overrides };
  const start = loadAverage();
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' }); // roomwire's command runs dist/
  const relay = await relayRounds(o);
  const addresses = loopbackAddresses('127.0.0', o.addresses + 1).slice(1); // 127.0.0.2 ...: not the servers' own
  const idle = perKind<IdleRound[]>(() => []);
  for (let i = 0; i < o.idleRounds; i++) {
    for (const kind of orderOf(i)) idle[kind].push(await idleRound(kind, o, addresses));
  }
  return { options: o, load: { start, end: loadAverage() }, relay, idle };
}

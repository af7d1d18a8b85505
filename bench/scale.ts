/**
 * `npm run bench:scale`: how many joined connections ONE roomwire hub holds, and what they cost. The hub
 * (`roomwire hub`, compiled, every limit on but raised for the count) runs in its own process; several
 * driver processes (bench/scale-driver.ts), each from its own 127.0.<d>.x addresses, open the connections,
 * each joined to a room of 10, then hold them. Reported: the time to open them, the hub's RSS (after GC)
 * and per connection, its CPU while they idle (heartbeats; /proc/<pid>/stat utime + stime), and signal
 * latency between a sample of room mates while all are connected.
 * Options: --connections N (100,000), --drivers K (4; more if one cannot hold its share), --concurrency C
 * (connections being opened at once, all drivers together: 200), --cpu-seconds S (30), --pairs P (200),
 * --signals M (100 per pair, 100 ms apart: the sample spans two heartbeats), --timeout S (900: then everything is killed), --heap DIR (heap snapshots of
 * the hub before and after, written to DIR, and where the heap grew per connection).
 * A process may hold only as many sockets as its open-file limit (ulimit -n): the hub's caps N, and the
 * benchmark says so (it tries `prlimit` first, which needs CAP_SYS_RESOURCE to go above the hard limit).
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRoomwireCommand, type ServerProcess } from '../test/helpers/peerjs-server.ts';
import { heapGrowth } from './heap-summary.ts';
import { cpuSeconds, loadAverage } from './proc-stats.ts';
import type { DriverReport, DriverRequest } from './scale-driver.ts';
import { ROOM_SIZE, roomwireFlags } from './vs-servers.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DRIVER = fileURLToPath(new URL('./scale-driver.ts', import.meta.url));
/** File descriptors a process needs besides its sockets (stdio, IPC, epoll, libuv, the listener). */
const SPARE_FDS = 100;
/** Loopback source addresses per driver: each has ~28k ephemeral ports. */
const ADDRESSES_PER_DRIVER = 8;
const HEARTBEAT_MS = 5_000;
/** Between two signals of a pair: 100 signals span two heartbeats, whose ticks hold the hub up. */
const SIGNAL_INTERVAL_MS = 100;

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  const value = i === -1 ? fallback : Number(process.argv[i + 1]);
  if (!(Number.isFinite(value) && value > 0)) throw new Error(`--${name} takes a positive number`);
  return value;
};
const heapIndex = process.argv.indexOf('--heap');
const heapDir = heapIndex === -1 ? undefined : process.argv[heapIndex + 1]!;
const o = {
  connections: arg('connections', 100_000), drivers: arg('drivers', 4), concurrency: arg('concurrency', 200),
  cpuSeconds: arg('cpu-seconds', 30), pairs: arg('pairs', 200), signals: arg('signals', 100), timeout: arg('timeout', 900),
};

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mib = (bytes: number) => `${fmt(bytes / 1024 / 1024, 0)} MiB`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const started = performance.now();
const log = (line: string) => console.log(`[${fmt((performance.now() - started) / 1000, 1)} s] ${line}`);

/** The soft open-file limit of process `pid`, raised to `wanted` first where it is lower and that is allowed. */
function openFileLimit(pid: number | 'self', wanted: number): number {
  const limit = () => Number(readFileSync(`/proc/${pid}/limits`, 'utf8').split('\n').find((l) => l.startsWith('Max open files'))!.split(/\s+/)[3]);
  if (limit() >= wanted) return limit();
  try {
    execFileSync('prlimit', ['--pid', String(pid === 'self' ? process.pid : pid), `--nofile=${wanted}:${wanted}`], { stdio: 'ignore' });
  } catch { /* not allowed (above the hard limit without CAP_SYS_RESOURCE) or no prlimit: keep what there is */ }
  return limit();
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Driver {
  child: ChildProcess;
  next(): Promise<DriverReport>;
  send(request: DriverRequest): void;
}

function startDriver(onProgress: (n: number) => void): Driver {
  const child = fork(DRIVER, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting: ((r: DriverReport) => void)[] = [];
  child.on('message', (r: DriverReport) => ('progress' in r ? onProgress(r.progress) : waiting.shift()?.(r)));
  return {
    child,
    next: () => new Promise((resolve, reject) => {
      waiting.push(resolve);
      child.once('exit', (code) => reject(new Error(`a driver exited with ${code}`)));
    }),
    send: (request) => child.send(request),
  };
}

async function main(hubHolder: { hub?: ServerProcess; drivers: Driver[] }): Promise<void> {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  const hub = (hubHolder.hub = await startRoomwireCommand(roomwireFlags(o.connections)));
  const hubLimit = openFileLimit(hub.pid, o.connections + SPARE_FDS);
  const driverLimit = openFileLimit('self', Math.ceil(o.connections / o.drivers) + SPARE_FDS); // drivers inherit it
  let n = o.connections;
  if (n > hubLimit - SPARE_FDS) {
    n = Math.floor((hubLimit - SPARE_FDS) / ROOM_SIZE) * ROOM_SIZE;
    log(`asked for ${fmt(o.connections)}; the hub's open-file limit is ${fmt(hubLimit)} (ulimit -n; raising it takes CAP_SYS_RESOURCE): ${fmt(n)} connections`);
  }
  const driverCount = Math.max(o.drivers, Math.ceil(n / (driverLimit - SPARE_FDS)));
  const share = Math.ceil(n / driverCount / ROOM_SIZE) * ROOM_SIZE;
  log(`hub pid ${hub.pid} (open files ${fmt(hubLimit)}); ${fmt(n)} connections from ${driverCount} drivers (open files ${fmt(driverLimit)}), ` +
    `${ADDRESSES_PER_DRIVER} addresses each, ${o.concurrency} opening at a time; load average ${loadAverage()}`);

  const before = await hub.memory();
  const rssBefore = hub.rss();
  const snapshotBefore = heapDir === undefined ? undefined : await hub.heapSnapshot(join(heapDir, 'hub-before.heapsnapshot'));
  const progress: number[] = [];
  let shown = 0;
  const onProgress = (d: number) => (n: number) => {
    progress[d] = n;
    const total = progress.reduce((x, y) => x + (y ?? 0), 0);
    if (total >= shown + 10_000) log(`${fmt((shown = total - (total % 10_000)))} open, hub RSS ${mib(hub.rss())}`);
  };
  const drivers = (hubHolder.drivers = Array.from({ length: driverCount }, (_, d) => startDriver(onProgress(d))));
  const results = drivers.map((driver, d) => {
    const result = driver.next();
    driver.send({
      do: 'open', url: `ws://127.0.0.1:${hub.port}/ws`, first: d * share, count: Math.max(0, Math.min(share, n - d * share)),
      concurrency: Math.ceil(o.concurrency / driverCount), addressPrefix: `127.0.${d + 1}`, addresses: ADDRESSES_PER_DRIVER,
    });
    return result;
  });
  const opened = (await Promise.all(results)) as Extract<DriverReport, { opened: number }>[];
  const connected = opened.reduce((x, r) => x + r.opened, 0);
  const seconds = Math.max(...opened.map((r) => r.seconds));
  log(`${fmt(connected)} of ${fmt(n)} connections open and joined in ${fmt(seconds, 1)} s (${fmt(connected / seconds)}/s)`);
  for (const r of opened) if (r.error) log(`  a driver stopped: ${r.error}`);

  await sleep(HEARTBEAT_MS + 1_500); // a heartbeat confirms, and frees, the frames kept for resume
  const after = await hub.memory();
  const rss = hub.rss();
  log(`hub RSS ${mib(rss)} (from ${mib(rssBefore)}): ${fmt((rss - rssBefore) / connected / 1024, 1)} KiB per connection; ` +
    `live heap ${mib(after.heapUsed + after.external)}: ${fmt((after.heapUsed + after.external - before.heapUsed - before.external) / connected / 1024, 1)} KiB per connection`);

  const cpu0 = cpuSeconds(hub.pid);
  await sleep(o.cpuSeconds * 1000);
  const cpu = (cpuSeconds(hub.pid) - cpu0) / o.cpuSeconds;
  log(`hub CPU while the ${fmt(connected)} idle (heartbeat every ${HEARTBEAT_MS / 1000} s), over ${o.cpuSeconds} s: ${fmt(cpu * 100, 1)}% of one core ` +
    `(${fmt(cpu * HEARTBEAT_MS)} ms a heartbeat)`);

  const pairsEach = Math.ceil(o.pairs / driverCount);
  const latencies = drivers.map((driver) => {
    const result = driver.next();
    driver.send({ do: 'latency', pairs: pairsEach, signals: o.signals, intervalMs: SIGNAL_INTERVAL_MS });
    return result;
  });
  const samples = ((await Promise.all(latencies)) as Extract<DriverReport, { samples: number[] }>[]).flatMap((r) => r.samples);
  const arrived = samples.filter((x) => x >= 0).sort((x, y) => x - y);
  log(`signal latency, ${fmt(samples.length)} ~250 B signals between ${fmt(pairsEach * driverCount)} pairs of room mates while all are connected: ` +
    `p50 ${fmt(percentile(arrived, 50), 2)} ms, p90 ${fmt(percentile(arrived, 90), 2)} ms, p99 ${fmt(percentile(arrived, 99), 2)} ms, max ${fmt(arrived.at(-1)!, 2)} ms, ` +
    `${samples.length - arrived.length} lost`);
  log(`load average ${loadAverage()}`);

  if (heapDir !== undefined) {
    const snapshotAfter = await hub.heapSnapshot(join(heapDir, 'hub-after.heapsnapshot'));
    log(`heap snapshots ${snapshotBefore} and ${snapshotAfter}; where the heap grew, per connection:`);
    for (const g of heapGrowth(snapshotBefore!, snapshotAfter)) {
      console.log(`  ${fmt(g.bytes / connected).padStart(6)} B  ${fmt(g.count / connected, 2).padStart(6)} x  ${g.kind.padEnd(40)} held by ${g.retainers.map((r) => `${r.via} (${fmt(r.count)})`).join(', ')}`);
    }
  }
}

const holder: { hub?: ServerProcess; drivers: Driver[] } = { drivers: [] };
const cleanUp = async () => {
  for (const d of holder.drivers) d.child.kill('SIGKILL');
  await holder.hub?.stop();
};
process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)));
const deadline = sleep(o.timeout * 1000).then(() => {
  throw new Error(`not done within --timeout ${o.timeout} s`);
});
try {
  console.log(`roomwire scale benchmark (node ${process.version})`);
  await Promise.race([main(holder), deadline]);
  process.exitCode = 0;
} catch (err) {
  console.error(`scale benchmark failed: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await cleanUp();
  process.exit();
}

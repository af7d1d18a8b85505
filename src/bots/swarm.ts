/**
 * `roomwire swarm`: rooms x peers werift bots spread over worker threads, each sending stamped messages
 * at a rate; a progress bar while it runs, then a report (open and delivery latency percentiles,
 * delivered/expected, duplicates, order, paths, failures). Non-zero exit if anything was lost or duplicated.
 */
import { availableParallelism } from 'node:os';
import type { Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { SwarmOptions } from './swarm-options.ts';
import { STAMP_BYTES, addCounts, emptyWorkerReport, formatReport, percentiles, wallClock, type SwarmReport, type WorkerReport } from './swarm-stats.ts';

// Compiled (dist/, as the CLI runs it) the worker is plain JavaScript; from the TypeScript sources it needs
// tsx registered first, which workers do not inherit (worker-boot.mjs).
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER = FROM_SOURCE
  ? { boot: new URL('./worker-boot.mjs', import.meta.url), entry: new URL('./swarm-worker.ts', import.meta.url) }
  : { boot: new URL('./swarm-worker.js', import.meta.url), entry: new URL('./swarm-worker.js', import.meta.url) };

export interface SwarmIo {
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean };
}

interface Progress {
  sent: number;
  delivered: number;
  expected: number;
}

export async function runSwarm(options: SwarmOptions, io: SwarmIo): Promise<{ report: SwarmReport; exitCode: number }> {
  if (options.rooms < 1 || options.peers < 2) throw new RangeError('a swarm needs at least 1 room of 2 peers');
  if (options.size < STAMP_BYTES) throw new RangeError(`--size must be at least ${STAMP_BYTES} bytes`);
  if (!(options.rate > 0)) throw new RangeError('--rate must be above 0');
  const workerCount = Math.max(1, Math.min(options.workers || availableParallelism(), options.rooms));
  const run = Math.floor(Math.random() * 0x10000).toString(16).padStart(4, '0');
  const roomsOf: string[][] = Array.from({ length: workerCount }, () => []);
  for (let n = 0; n < options.rooms; n++) roomsOf[n % workerCount]!.push(`${options.roomPrefix}-${run}-${n}`);

  const progress = new Map<number, Progress>();
  const say = (line: string) => { if (!options.json) io.stderr.write(line); };
  say(`starting ${options.rooms * options.peers} bots in ${options.rooms} rooms on ${workerCount} worker(s)...\n`);

  let senderBase = 0;
  const workers = roomsOf.map((rooms, w) => {
    const worker = new Worker(WORKER.boot, {
      workerData: { entry: WORKER.entry.href, options, rooms, senderBase },
    });
    senderBase += rooms.length * options.peers;
    const ready = new Promise<void>((resolve) => worker.on('message', (m) => { if (m.type === 'ready') resolve(); }));
    const done = new Promise<WorkerReport>((resolve) => {
      worker.on('message', (m) => {
        if (m.type === 'progress') progress.set(w, m);
        if (m.type === 'done') resolve(m.report);
      });
      worker.on('error', (err) => resolve(emptyWorkerReport([`worker ${w} crashed: ${err.message}`])));
      worker.on('exit', (code) => resolve(emptyWorkerReport([`worker ${w} exited with ${code} before reporting`])));
    });
    return { worker, ready, done };
  });

  await Promise.race([Promise.all(workers.map((w) => w.ready)), Promise.all(workers.map((w) => w.done))]);
  const startAt = wallClock() + 200;
  for (const { worker } of workers) worker.postMessage({ startAt });
  say(`links settled; sending for ${options.duration / 1000} s\n`);

  const bar = setInterval(() => say(progressLine(progress, startAt, options.duration, io.stderr.isTTY === true)), io.stderr.isTTY ? 200 : 5_000);
  const reports = await Promise.all(workers.map((w) => w.done));
  clearInterval(bar);
  say(io.stderr.isTTY ? '\n' : '');
  // The report goes out first: nothing after it can take it away.
  const report = merge(reports, options, workerCount);
  io.stdout.write((options.json ? JSON.stringify(report) : formatReport(report)) + '\n');
  // Workers have closed their peer connections; werift may leave timers behind, so end them.
  await Promise.all(workers.map(({ worker }) => worker.terminate()));
  return { report, exitCode: report.ok ? 0 : 1 };
}

function progressLine(progress: Map<number, Progress>, startAt: number, durationMs: number, tty: boolean): string {
  let sent = 0, delivered = 0, expected = 0;
  for (const p of progress.values()) {
    sent += p.sent;
    delivered += p.delivered;
    expected += p.expected;
  }
  const elapsed = Math.min(durationMs, Math.max(0, wallClock() - startAt));
  const width = 30;
  const filled = Math.round((elapsed / durationMs) * width);
  const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(elapsed / 1000).toFixed(0)}/${durationMs / 1000} s  sent ${sent}  delivered ${delivered}/${expected}`;
  return tty ? `\r${line}` : `${line}\n`;
}

function merge(reports: WorkerReport[], o: SwarmOptions, workerCount: number): SwarmReport {
  const linkPaths: Record<string, number> = {};
  const messagePaths: Record<string, number> = {};
  const sum = (f: (r: WorkerReport) => number) => reports.reduce((n, r) => n + f(r), 0);
  for (const r of reports) {
    addCounts(linkPaths, r.linkPaths);
    addCounts(messagePaths, r.messagePaths);
  }
  const expected = sum((r) => r.expected);
  const delivered = sum((r) => r.delivered);
  const duplicates = sum((r) => r.duplicates);
  const bots = sum((r) => r.bots);
  return {
    rooms: o.rooms, peersPerRoom: o.peers, bots, workers: workerCount, durationMs: o.duration, ratePerBot: o.rate, size: o.size,
    links: { total: sum((r) => r.links), open: sum((r) => r.linksOpen), paths: linkPaths, openLatencyMs: percentiles(reports.flatMap((r) => r.openLatencies)) },
    messages: {
      sent: sum((r) => r.sent), expected, delivered, lost: expected - delivered, duplicates, outOfOrder: sum((r) => r.outOfOrder),
      paths: messagePaths, deliveryLatencyMs: percentiles(reports.flatMap((r) => r.deliveryLatencies)),
    },
    failures: reports.flatMap((r) => r.failures),
    ok: expected === delivered && duplicates === 0 && bots === o.rooms * o.peers,
  };
}

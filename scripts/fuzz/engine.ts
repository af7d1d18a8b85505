/**
 * The fuzz run: a hub in a child process with every rate limit lifted, a well-behaved pair whispering
 * numbered relays in the room the fuzzers spam, and several fuzz connections sending their share of the
 * frames. Used by `npm run fuzz` (scripts/fuzz/main.ts) and by test/abuse/fuzz.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hubOptionSpecs, type HubOptions } from '../../src/hub/options.ts';
import { flagOf } from '../../src/option-spec.ts';
import { FuzzConnection } from './fuzz-connection.ts';
import { HubMonitor, HubProcess, type HubExit } from './hub-process.ts';
import { Pool, type FuzzWorld } from './moves.ts';
import { Pair, type PairResult } from './pair.ts';
import { FuzzTally } from './tally.ts';

/** Every limit that paces a client, per connection or per address: the fuzzers must not be slowed down. */
const LIFTED_LIMITS: (keyof HubOptions)[] = [
  'messagesPerSecond', 'messageBurst', 'bytesPerSecond', 'byteBurst',
  'maxConnectionsPerAddress', 'maxSessionsPerAddress', 'connectionsPerSecondPerAddress', 'connectionBurstPerAddress',
  'joinsPerSecondPerAddress', 'joinBurstPerAddress',
];
const LIFTED = 1_000_000_000;

/** The pair's room comes first; the fuzzers join all of them. */
const ROOMS = ['fuzz-pair', 'fuzz-a', 'fuzz-b', 'fuzz-c'];
const SAMPLE_EVERY_MS = 1_000;
/** A /healthz unanswered this long means the hub hangs (under fuzz load it answers within tens of ms). */
const HEALTH_TIMEOUT_MS = 15_000;
/** The pair whispers this many numbers each way every PAIR_EVERY_MS. */
const PAIR_PER_TICK = 4;
const PAIR_EVERY_MS = 5;

export interface FuzzOptions {
  frames: number;
  connections: number;
  seed: number;
  /** The run stops (and fails) after this long. */
  maxSeconds: number;
  /** Progress lines, every few seconds. */
  progress?: (line: string) => void;
  /** Called once the hub listens (the harness's own test kills it, to see a crash reported). */
  onHubStarted?: (hub: HubProcess) => void;
}

export interface FuzzReport {
  options: Omit<FuzzOptions, 'progress' | 'onHubStarted'>;
  framesSent: number;
  bytesSent: number;
  seconds: number;
  framesPerSecond: number;
  /** CPU time used during the fuzzing, by the hub and by this process (fuzzers and pair). */
  cpuSeconds: { hub: number; fuzzer: number };
  connects: number;
  kinds: Record<string, number>;
  closes: Record<string, number>;
  dropsByUs: Record<string, number>;
  errors: Record<string, number>;
  replies: Record<string, number>;
  refused: Record<string, number>;
  /** What the hub must never do to a client: binary frames, frames that are no hub message. */
  violations: string[];
  hub: {
    crashed: boolean;
    /** Unanswered /healthz while the process lived. */
    hung: boolean;
    finalHealth: string;
    maxHealthMs: number;
    peakRssBytes: number | undefined;
    errorLines: string[];
    warnings: Record<string, number>;
    stop: (HubExit & { ms: number }) | undefined;
    stderrTail: string;
  };
  pair: PairResult | undefined;
  timedOut: boolean;
  /** Where the last frames before a crash or a hang were written. */
  dumpPath: string | undefined;
  ok: boolean;
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const secret = randomBytes(24).toString('base64url');
  const flags = LIFTED_LIMITS.flatMap((key) => [flagOf(key), String(LIFTED)]);
  const hub = await HubProcess.start([...flags, '--no-server-peer', '--server-peer-secret', secret]);
  options.onHubStarted?.(hub);
  const limits = defaultLimits();
  const world: FuzzWorld = { rooms: ROOMS, peers: new Pool(256), tokens: new Pool(64), serverPeerSecret: secret, limits };
  const tally = new FuzzTally();
  const startedAt = performance.now();
  const cpuAtStart = process.cpuUsage();
  const hubCpuAtStart = hub.cpuSeconds() ?? 0;
  const deadline = startedAt + options.maxSeconds * 1_000;
  let timedOut = false;
  let monitor: HubMonitor | undefined;
  const stopped = () => {
    if (performance.now() > deadline) timedOut = true;
    return hub.exit !== undefined || monitor?.hung === true || timedOut;
  };

  let pair: Pair | undefined;
  try {
    pair = await Pair.start(hub.url, ROOMS[0]!);
    pair.talk(PAIR_PER_TICK, PAIR_EVERY_MS);
    const m = monitor = new HubMonitor(hub, SAMPLE_EVERY_MS, HEALTH_TIMEOUT_MS, () => {
      const seconds = (performance.now() - startedAt) / 1_000;
      options.progress?.(`  ${tally.framesSent.toLocaleString('en-US')} frames, ${Math.round(tally.framesSent / seconds).toLocaleString('en-US')}/s, hub RSS ${mb(m.peakRssBytes)}`);
    });
    const runs = Array.from({ length: options.connections }, (_, index) => new FuzzConnection({
      url: hub.url, index, seed: options.seed, localAddress: `127.0.0.${10 + index}`, world, tally, stopped,
    }).run(quotaOf(options, index)));
    await Promise.all(runs);
  } catch (err) {
    pair?.abort();
    hub.kill();
    throw err;
  } finally {
    monitor?.stop();
  }
  const { hung, maxHealthMs, peakRssBytes } = monitor;
  const seconds = (performance.now() - startedAt) / 1_000;
  const cpu = process.cpuUsage(cpuAtStart);
  const fuzzerCpuSeconds = (cpu.user + cpu.system) / 1e6;
  const hubCpuSeconds = (hub.cpuSeconds() ?? NaN) - hubCpuAtStart;
  const alive = hub.exit === undefined && !hung;
  let pairResult: PairResult | undefined;
  if (alive) pairResult = await pair.finish();
  else pair.abort();
  const finalHealth = alive ? await hub.health(HEALTH_TIMEOUT_MS) : undefined;
  const crashed = hub.crashed;
  const dumpPath = crashed || hung ? writeDump(options.seed, tally) : undefined;
  const stop = crashed ? undefined : await hub.stop(10_000);

  const report: FuzzReport = {
    options: { frames: options.frames, connections: options.connections, seed: options.seed, maxSeconds: options.maxSeconds },
    framesSent: tally.framesSent,
    bytesSent: tally.bytesSent,
    seconds,
    framesPerSecond: tally.framesSent / seconds,
    cpuSeconds: { hub: hubCpuSeconds, fuzzer: fuzzerCpuSeconds },
    connects: tally.connects,
    kinds: tally.kinds.toObject(),
    closes: tally.closes.toObject(),
    dropsByUs: tally.dropsByUs.toObject(),
    errors: tally.errors.toObject(),
    replies: tally.replies.toObject(),
    refused: tally.refused.toObject(),
    violations: tally.violations,
    hub: {
      crashed,
      hung,
      finalHealth: finalHealth === undefined ? 'not asked' : finalHealth.ok ? `ok in ${Math.round(finalHealth.ms)} ms: ${finalHealth.body}` : `FAILED: ${finalHealth.body}`,
      maxHealthMs,
      peakRssBytes,
      errorLines: hub.errorLines,
      warnings: Object.fromEntries(hub.warnings),
      stop,
      stderrTail: crashed || hung ? hub.stderrTail() : '',
    },
    pair: pairResult,
    timedOut,
    dumpPath,
    ok: false,
  };
  report.ok = !crashed && !hung && !timedOut && finalHealth?.ok === true && stop?.code === 0 &&
    pairResult?.ok === true && tally.violations.length === 0 && hub.errorLines.length === 0 &&
    tally.errors.get('internal-error') === 0 && tally.framesSent >= options.frames;
  return report;
}

/** Frames of connection `index`: an equal share, the remainder to the first ones. */
function quotaOf(o: FuzzOptions, index: number): number {
  return Math.floor(o.frames / o.connections) + (index < o.frames % o.connections ? 1 : 0);
}

/** The hub runs with its defaults for these: the generators aim at them. */
function defaultLimits(): FuzzWorld['limits'] {
  const d = (key: keyof typeof hubOptionSpecs) => hubOptionSpecs[key].default as number;
  return {
    maxFrameBytes: d('maxFrameBytes'),
    hardMaxFrameBytes: d('hardMaxFrameBytes'),
    maxJsonDepth: d('maxJsonDepth'),
    maxRoomNameLength: d('maxRoomNameLength'),
    maxPeerNameLength: d('maxPeerNameLength'),
  };
}

function writeDump(seed: number, tally: FuzzTally): string {
  const path = join(tmpdir(), `roomwire-fuzz-${seed}-${Date.now()}.jsonl`);
  writeFileSync(path, tally.recent.toJsonLines());
  return path;
}

export function mb(bytes: number | undefined): string {
  return bytes === undefined ? 'n/a' : `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

/** `roomwire hub` as a subprocess (JSON logs), as `npm start` runs it: its port, its log lines, its end. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { SwarmReport } from '../../src/bots/swarm-stats.ts';
import { exitOf, outputRead, running, signalAndWait, type Exit } from './child-exit.ts';

export const BIN = fileURLToPath(new URL('../../bin/roomwire.js', import.meta.url));

/** `roomwire ...args` run to its end: the exit code and everything it printed. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NODE_ENV: 'production', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const [code] = await once(child, 'exit');
  return { code, stdout, stderr };
}

/** `roomwire swarm --url URL --json ...args` run to its end: its exit code, its JSON report (the last line) and stderr. */
export async function runSwarm(url: string, args: string[]): Promise<{ code: number | null; report: SwarmReport; stderr: string }> {
  const { code, stdout, stderr } = await runCli(['swarm', '--url', url, '--json', ...args]);
  const last = stdout.trim().split('\n').pop()!;
  if (!last.startsWith('{')) throw new Error(`swarm printed no report (exit ${code}):\n${stdout}\n${stderr}`);
  return { code, report: JSON.parse(last) as SwarmReport, stderr };
}

/** Reads the hub's JSON log lines until the "hub listening" one, and returns its port. */
export async function listeningPort(child: ChildProcessWithoutNullStreams): Promise<number> {
  // 'data' events, not an async iterator: leaving a for-await loop would destroy stdout.
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk;
      const line = buffered.split('\n').find((l) => l.includes('"hub listening"'));
      if (line === undefined) return;
      child.stdout.off('data', onData);
      resolve(JSON.parse(line).port);
    };
    child.stdout.on('data', onData);
    child.once('exit', () => reject(new Error('the hub exited before listening')));
  });
}

/** Bounds the start: node's start-up, dist/'s import and the listen, on a busy 2-core machine. */
const START_TIMEOUT_MS = 20_000;
/** SIGTERM drains first (drainTimeoutMs); beyond this a stop() becomes a SIGKILL. */
const STOP_TIMEOUT_MS = 15_000;

/**
 * A hub on 127.0.0.1, a free port, with whatever else `args` say (the embedded server peer by default;
 * a later `--port N` wins over the `--port 0` given first). The hub leads its own process group, so that
 * kill('SIGKILL') takes its server peer child with it, as when its machine dies.
 */
export class HubProcess {
  /** Everything it (and its server peer child, which shares its stdout) printed, stderr included. */
  log = '';
  /** How it ended: its exit code, or the signal that ended it. */
  readonly ended: Promise<Exit>;
  private constructor(private readonly child: ChildProcessWithoutNullStreams, readonly port: number, readonly args: readonly string[]) {
    this.ended = exitOf(child);
  }

  static async start(args: string[] = []): Promise<HubProcess> {
    const child = spawn(process.execPath, [BIN, 'hub', '--host', '127.0.0.1', '--port', '0', ...args], {
      env: { ...process.env, NODE_ENV: 'production' },
      detached: true,
    });
    let early = '';
    const keep = (d: Buffer) => (early += d);
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timer: NodeJS.Timeout | undefined;
    try {
      const port = await Promise.race([
        listeningPort(child),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`the hub did not listen within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS))),
      ]);
      const hub = new HubProcess(child, port, args);
      child.stdout.off('data', keep);
      child.stderr.off('data', keep);
      hub.log = early;
      child.stdout.on('data', (d: Buffer) => (hub.log += d));
      child.stderr.on('data', (d: Buffer) => (hub.log += d));
      return hub;
    } catch (err) {
      if (running(child)) await signalAndWait(child, 'SIGKILL', 0, -child.pid!);
      await outputRead(child);
      throw new Error(`${(err as Error).message} (roomwire hub ${args.join(' ')}):\n${early}`);
    } finally {
      clearTimeout(timer);
    }
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Waits until the log contains `text`. */
  async logged(text: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.log.includes(text)) {
      if (Date.now() > deadline) throw new Error(`the hub did not log "${text}":\n${this.log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The exit code, when the process ends by itself (after a drain). */
  async exited(): Promise<number | null> {
    return (await this.ended).code;
  }

  /**
   * Sends `signal` and waits for the exit. SIGKILL goes to the whole group (hub and server peer: a dead
   * machine); SIGTERM to the hub alone, which drains and stops its server peer itself (SIGKILL after
   * `timeoutMs`). Idempotent: a hub already gone reports how it ended.
   */
  async kill(signal: 'SIGKILL' | 'SIGTERM' | 'SIGINT' = 'SIGKILL', timeoutMs = STOP_TIMEOUT_MS): Promise<Exit> {
    const exit = await signalAndWait(this.child, signal, timeoutMs, signal === 'SIGKILL' ? -this.pid : this.pid);
    sweepGroup(this.pid);
    return exit;
  }

  /** SIGTERM, then the exit code. */
  async stop(): Promise<number | null> {
    return (await this.kill('SIGTERM')).code;
  }
}

/** SIGKILL to what is left of a dead hub's process group: a server peer child must not outlive a test. */
function sweepGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch { /* ESRCH: nothing left */ }
}

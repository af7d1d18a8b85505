/**
 * The hub under fuzz, in a child process (`roomwire hub`, as an operator runs it), so that a crash shows
 * as the process exiting rather than taking the fuzzer down with it. Its JSON log is read for the port
 * and for error lines (a handler that threw); its RSS is read from /proc.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/roomwire.js', import.meta.url));
const START_TIMEOUT_MS = 20_000;
/** pino's level numbers: 40 warn, 50 error, 60 fatal. */
const PINO_WARN = 40;
const PINO_ERROR = 50;
/** USER_HZ of /proc/<pid>/stat: 100 on Linux everywhere it runs in practice. */
const CLOCK_TICKS_PER_SECOND = 100;

export interface HubExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Health {
  ok: boolean;
  /** No answer at all within the deadline: the process lives but its event loop does not turn. */
  timedOut: boolean;
  ms: number;
  body: string;
}

export class HubProcess {
  /** Set when the process has exited, for whatever reason. */
  exit: HubExit | undefined;
  readonly exited: Promise<HubExit>;
  /** Log lines at level error and above, as written. */
  readonly errorLines: string[] = [];
  /** Warnings by message (slow consumers cut off, sessions overflowing while away ...). */
  readonly warnings = new Map<string, number>();
  private stderr = '';
  private stdoutRest = '';
  private stopping = false;
  port = 0;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => {
      this.exit = { code, signal };
      resolve(this.exit);
    }));
    child.stderr.on('data', (d: Buffer) => { this.stderr = (this.stderr + d.toString()).slice(-8_000); });
    child.stdout.on('data', (d: Buffer) => this.onStdout(d.toString()));
  }

  static async start(args: string[]): Promise<HubProcess> {
    const child = spawn(process.execPath, [BIN, 'hub', '--host', '127.0.0.1', '--port', '0', '--log-level', 'info', ...args], {
      env: { ...process.env, NODE_ENV: 'production' }, // JSON logs, one per line
    });
    const hub = new HubProcess(child);
    // If the fuzzer itself dies, the hub must not live on without anyone to stop it.
    const orphaned = () => hub.kill();
    process.once('exit', orphaned);
    void hub.exited.then(() => process.off('exit', orphaned));
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (hub.port === 0) {
      if (hub.exit !== undefined || Date.now() > deadline) {
        hub.kill();
        throw new Error(`the hub did not start (exit ${JSON.stringify(hub.exit)}): ${hub.stderrTail()}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    return hub;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Exited without being asked to: a crash. */
  get crashed(): boolean {
    return this.exit !== undefined && !this.stopping;
  }

  stderrTail(): string {
    return this.stderr.slice(-4_000);
  }

  /** Resident set size in bytes, or undefined where /proc is not there (or the process is gone). */
  rssBytes(): number | undefined {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.child.pid}/status`, 'utf8'));
      return m === null ? undefined : Number(m[1]) * 1024;
    } catch {
      return undefined;
    }
  }

  /** CPU time the process used so far, in seconds (user + system), from /proc. */
  cpuSeconds(): number | undefined {
    try {
      // Fields after the command name (which may hold spaces, hence the last ')'): utime and stime are the 12th and 13th.
      const stat = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
    } catch {
      return undefined;
    }
  }

  /** GET /healthz with a deadline: a hub stuck in a loop answers nothing. */
  health(timeoutMs: number): Promise<Health> {
    const started = performance.now();
    let timedOut = false;
    return new Promise((resolve) => {
      const failed = (err: Error) => resolve({ ok: false, timedOut, ms: performance.now() - started, body: err.message });
      const req = get({ host: '127.0.0.1', port: this.port, path: '/healthz', timeout: timeoutMs, agent: false }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ ok: res.statusCode === 200, timedOut, ms: performance.now() - started, body }));
        res.on('error', failed);
      });
      req.on('timeout', () => {
        timedOut = true;
        req.destroy(new Error(`no answer within ${timeoutMs} ms`));
      });
      req.on('error', failed);
    });
  }

  /** SIGTERM, as an operator stops it: a graceful close ends with exit code 0. */
  async stop(timeoutMs: number): Promise<HubExit & { ms: number }> {
    this.stopping = true;
    const started = performance.now();
    if (this.exit === undefined) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.kill(), timeoutMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return { ...exit, ms: performance.now() - started };
  }

  kill(): void {
    this.stopping = true;
    if (this.exit === undefined) this.child.kill('SIGKILL');
  }

  private onStdout(text: string): void {
    const lines = (this.stdoutRest + text).split('\n');
    this.stdoutRest = lines.pop()!;
    for (const line of lines) {
      let entry: { level?: number; msg?: string; port?: number };
      try {
        entry = JSON.parse(line);
      } catch {
        continue; // not a log line
      }
      if (entry.msg === 'hub listening' && typeof entry.port === 'number') this.port = entry.port;
      const level = entry.level ?? 0;
      if (level >= PINO_ERROR) {
        if (this.errorLines.length < 50) this.errorLines.push(line.slice(0, 2_000));
      } else if (level >= PINO_WARN) {
        const msg = entry.msg ?? '?';
        this.warnings.set(msg, (this.warnings.get(msg) ?? 0) + 1);
      }
    }
  }
}

/**
 * Watches the hub while it is fuzzed: its peak RSS, and /healthz once a second. One unanswered
 * /healthz (a timeout, not a refusal: a dead process refuses) means it hangs.
 */
export class HubMonitor {
  peakRssBytes: number | undefined;
  maxHealthMs = 0;
  hung = false;
  private readonly timer: NodeJS.Timeout;
  private asking = false;

  constructor(private readonly hub: HubProcess, everyMs: number, healthTimeoutMs: number, onTick: () => void) {
    this.peakRssBytes = hub.rssBytes();
    this.timer = setInterval(() => {
      this.peakRssBytes = Math.max(this.peakRssBytes ?? 0, hub.rssBytes() ?? 0);
      onTick();
      if (this.asking) return;
      this.asking = true;
      void hub.health(healthTimeoutMs).then((h) => {
        this.asking = false;
        this.maxHealthMs = Math.max(this.maxHealthMs, h.ms);
        if (h.timedOut && hub.exit === undefined) this.hung = true;
      });
    }, everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/**
 * One end of a pair in bench/interop-pairs.ts, whatever its stack. Every end reports what it sees as it
 * happens (a line on stdout, an IPC message, a call from the page) and the time is taken here on arrival
 * (performance.now() of this process): all four stacks are timed by one clock, with a pipe's delay
 * (well under a millisecond) and no polling.
 * - go, python: the Go peer (clients/go, pion) and the Python peer (clients/python, aiortc), one process
 *   per end, printing `roomwire bot --json` events and sending the lines of their stdin.
 * - werift: a room client in a child process of its own (werift-end-process.ts), a fresh client per end.
 * - chromium: the hub's /roomwire.js in a page (chromium-end.ts), a fresh client per end.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const STACKS = ['go', 'python', 'werift', 'chromium'] as const;
export type Stack = (typeof STACKS)[number];

/** What a driven end (werift, chromium) reports. */
export type EndReport =
  | { event: 'path-change'; peerId: string; path: string }
  | { event: 'received'; total: number }
  | { event: 'failed'; message: string };

/** How long an end may take to join, to report `direct`, or to receive a burst, before the run gives up (ms). */
export const JOIN_TIMEOUT_MS = 30_000;
export const DIRECT_TIMEOUT_MS = 25_000; // above the peers' 10 s p2pTimeoutMs: a fallback to relay shows as the last path
export const BURST_TIMEOUT_MS = 60_000;

/** Times at which named things were first seen here, and promises of them. */
export class Moments {
  private readonly seen = new Map<string, number>();
  private readonly waiters = new Map<string, ((at: number) => void)[]>();
  private failure: Error | undefined;
  private readonly failed = new Set<(err: Error) => void>();

  mark(key: string, at = performance.now()): void {
    if (this.seen.has(key)) return;
    this.seen.set(key, at);
    for (const resolve of this.waiters.get(key) ?? []) resolve(at);
    this.waiters.delete(key);
  }

  /** Rejects every promise, pending or later: the end is gone. */
  fail(err: Error): void {
    this.failure ??= err;
    for (const reject of this.failed) reject(err);
  }

  when(key: string, what: string, timeoutMs: number, detail: () => string = () => ''): Promise<number> {
    const at = this.seen.get(key);
    if (at !== undefined) return Promise.resolve(at);
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.failed.delete(fail);
      };
      const fail = (err: Error) => (done(), reject(err));
      const timer = setTimeout(() => fail(new Error(`timed out after ${timeoutMs} ms: ${what}${detail()}`)), timeoutMs);
      this.failed.add(fail);
      this.waiters.set(key, [...(this.waiters.get(key) ?? []), (t) => (done(), resolve(t))]);
    });
  }
}

/** What every end does the same way: paths and the `received` promises. */
export abstract class PairEnd {
  peerId = '';
  protected readonly moments = new Moments();
  private readonly paths = new Map<string, string>();

  constructor(readonly stack: Stack) {}

  /** Sends `count` messages of `size` bytes (ASCII) to its room, back to back. */
  abstract send(size: number, count: number): void;
  /** Leaves and lets go of its peer connections. */
  abstract close(): Promise<void>;
  /** Asks to be told (a `received` report) when `total` messages have arrived since the join. */
  protected abstract expect(total: number): void;

  protected onPath(peerId: string, path: string, at = performance.now()): void {
    this.paths.set(peerId, path);
    if (path === 'direct') this.moments.mark(`direct ${peerId}`, at);
  }

  protected onReport(report: EndReport, at = performance.now()): void {
    if (report.event === 'path-change') this.onPath(report.peerId, report.path, at);
    else if (report.event === 'received') this.moments.mark(`received ${report.total}`, at);
    else this.moments.fail(new Error(`${this.stack}: ${report.message}`));
  }

  /** When this end reported `direct` to `peerId`. */
  direct(peerId: string): Promise<number> {
    return this.moments.when(`direct ${peerId}`, `${this.stack} reports direct`, DIRECT_TIMEOUT_MS, () => `; last path: ${this.paths.get(peerId) ?? 'none'}`);
  }

  /** It reported no other path since `direct`. */
  stillDirect(peerId: string): boolean {
    return this.paths.get(peerId) === 'direct';
  }

  /** When the `total`-th message since the join arrived. */
  received(total: number): Promise<number> {
    const arrived = this.moments.when(`received ${total}`, `${this.stack} received ${total} messages`, BURST_TIMEOUT_MS);
    this.expect(total);
    return arrived;
  }
}

/** Makes ends of one stack: each join is a fresh peer (a new process, or a new room client) in `room`. */
export interface StackHost {
  join(room: string): Promise<PairEnd>;
  close(): Promise<void>;
}

/** The Go or Python peer: one process per end; message lines are counted by their prefix, never parsed. */
class StdioEnd extends PairEnd {
  private readonly child: ChildProcess;
  private rest = '';
  private count = 0;
  private expecting = Infinity;
  private stderr = '';

  constructor(stack: Stack, command: readonly string[], args: string[]) {
    super(stack);
    this.child = spawn(command[0]!, [...command.slice(1), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d: Buffer) => {
      const at = performance.now();
      const lines = (this.rest + d.toString()).split('\n');
      this.rest = lines.pop()!;
      for (const line of lines) this.onLine(line, at);
    });
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-2_000)));
    this.child.stdin!.on('error', () => {}); // it died: 'exit' says so
    this.child.on('exit', (code, signal) => this.moments.fail(new Error(`${stack} peer exited (${code ?? signal}); stderr: ${this.stderr}`)));
  }

  async joined(): Promise<this> {
    await this.moments.when('joined', `${this.stack} joined`, JOIN_TIMEOUT_MS);
    return this;
  }

  private onLine(line: string, at: number): void {
    if (line.startsWith('{"event":"message"')) {
      if (++this.count >= this.expecting) this.markReceived(at);
      return;
    }
    if (line === '' || line.startsWith('{"event":"sent"')) return;
    const e = JSON.parse(line) as { event: string; peerId?: string; path?: string };
    if (e.event === 'joined') {
      this.peerId = e.peerId!;
      this.moments.mark('joined', at);
    } else if (e.event === 'path-change') this.onPath(e.peerId!, e.path!, at);
  }

  private markReceived(at?: number): void {
    this.onReport({ event: 'received', total: this.expecting }, at);
    this.expecting = Infinity;
  }

  protected expect(total: number): void {
    this.expecting = total;
    if (this.count >= total) this.markReceived();
  }

  send(size: number, count: number): void {
    this.child.stdin!.write(`${'x'.repeat(size)}\n`.repeat(count));
  }

  /** SIGTERM: it leaves the room and exits; SIGKILL if it has not within 3 s. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  }
}

/** A process per end: the Go peer's binary, or the Python peer on /usr/bin/python3. */
export function stdioHost(stack: 'go' | 'python', command: readonly string[], url: string): StackHost {
  return {
    join: (room) => new StdioEnd(stack, command, ['--url', url, '--room', room, '--name', stack]).joined(),
    close: async () => {},
  };
}

export const PYTHON_PEER = ['/usr/bin/python3', fileURLToPath(new URL('../clients/python/roomwire_peer.py', import.meta.url))];

/** An end whose peer lives elsewhere (a werift child, a page), told what to do by `drive`. */
export class DrivenEnd extends PairEnd {
  constructor(stack: Stack, private readonly drive: { send(size: number, count: number): void; expect(total: number): void; leave(): Promise<void> }) {
    super(stack);
  }

  report(report: EndReport): void {
    this.onReport(report);
  }

  send(size: number, count: number): void {
    this.drive.send(size, count);
  }

  protected expect(total: number): void {
    this.drive.expect(total);
  }

  close(): Promise<void> {
    return this.drive.leave();
  }
}

/** werift: one child process (werift-end-process.ts) whose commands each make or drive its current client. */
export function weriftHost(url: string): StackHost {
  const child = fork(fileURLToPath(new URL('./werift-end-process.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'] });
  let current: DrivenEnd | undefined;
  const answers: { resolve(value: unknown): void; reject(err: Error): void }[] = [];
  child.on('message', (m: EndReport | { answer: unknown } | { refused: string }) => {
    if ('answer' in m) answers.shift()?.resolve(m.answer);
    else if ('refused' in m) answers.shift()?.reject(new Error(`werift: ${m.refused}`));
    else current?.report(m);
  });
  /** Commands that answer (join, leave) are answered in order. */
  const ask = (command: object) => new Promise<unknown>((resolve, reject) => {
    answers.push({ resolve, reject });
    child.send(command);
  });
  return {
    async join(room) {
      current = new DrivenEnd('werift', {
        send: (size, count) => child.send({ op: 'send', size, count }),
        expect: (total) => child.send({ op: 'expect', total }),
        leave: async () => void (await ask({ op: 'leave' })),
      });
      current.peerId = String(await ask({ op: 'join', url, room, name: 'werift' }));
      return current;
    },
    async close() {
      const exited = once(child, 'exit');
      child.send({ op: 'exit' });
      await exited;
    },
  };
}

/**
 * `roomwire bot --json` as a subprocess: its events, parsed, and its stdin. Other peers that print the same
 * events (clients/go, clients/python) run through it with their own command.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { BotEvent } from '../../src/bots/bot-events.ts';

const BIN = fileURLToPath(new URL('../../bin/roomwire.js', import.meta.url));

export class BotProcess {
  readonly events: BotEvent[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcessWithoutNullStreams;
  private buffered = '';

  /** @param command what to run instead of `roomwire bot --json`: another peer with the same events (test/interop). */
  constructor(args: string[], readonly command: readonly string[] = [process.execPath, BIN, 'bot', '--json']) {
    this.child = spawn(command[0]!, [...command.slice(1), ...args], { env: { ...process.env, NODE_ENV: 'production' } });
    this.child.stdout.on('data', (d: Buffer) => {
      this.buffered += d.toString();
      const lines = this.buffered.split('\n');
      this.buffered = lines.pop()!;
      for (const line of lines) if (line.trim() !== '') this.events.push(JSON.parse(line) as BotEvent);
    });
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = once(this.child, 'exit').then(([code]) => code as number | null);
  }

  type(line: string): void {
    this.child.stdin.write(line + '\n');
  }

  signal(sig: NodeJS.Signals): void {
    this.child.kill(sig);
  }

  /** The first event (from the start) matching `match`, waiting for it. */
  async event<E extends BotEvent>(match: (e: BotEvent) => e is E, what: string, timeoutMs = 15_000): Promise<E> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(match);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`bot: no ${what}; events: ${JSON.stringify(this.events).slice(0, 800)}; stderr: ${this.stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

export const isEvent = <T extends BotEvent['event']>(type: T, extra: (e: Extract<BotEvent, { event: T }>) => boolean = () => true) =>
  (e: BotEvent): e is Extract<BotEvent, { event: T }> => e.event === type && extra(e as Extract<BotEvent, { event: T }>);

/**
 * A real redis-server (Debian's /usr/bin/redis-server) on 127.0.0.1 and a free port, for one test file:
 * no persistence, its own temp dir, and the ways a Redis fails in production: frozen (SIGSTOP), crashed
 * (SIGKILL), and back empty on the same port (clients reconnect to the same URL).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { exitNow, outputRead, poll, running, signalAndWait, type Exit } from './child-exit.ts';
import { freePort } from './coturn.ts';
import type { HubOptions } from '../../src/hub/options.ts';
import { startHub, type TestHub } from './hub.ts';

export const REDIS_SERVER = '/usr/bin/redis-server';
const START_TIMEOUT_MS = 10_000;
/** A SIGTERM'd Redis with nothing to save exits in milliseconds; beyond this it gets SIGKILL. */
const STOP_TIMEOUT_MS = 3_000;
/** How long one PING (or readiness INFO) may go unanswered (ms). */
const PING_TIMEOUT_MS = 300;
/** A port another process took between freePort() and redis-server's bind: tries with fresh ports. */
const PORT_ATTEMPTS = 3;

export interface RedisServerOptions {
  /** A given port (default: a free one). */
  port?: number;
}

export class RedisServer {
  /** What redis-server printed (loglevel warning: little), across restarts. */
  log = '';
  private child: ChildProcess | undefined;
  private readonly clients = new Set<Redis>();
  private stopped = false;

  private constructor(readonly port: number, readonly dir: string) {}

  static async start(opts: RedisServerOptions = {}): Promise<RedisServer> {
    for (let attempt = 1; ; attempt++) {
      const server = new RedisServer(opts.port ?? (await freePort()), mkdtempSync(join(tmpdir(), 'roomwire-redis-')));
      try {
        await server.launch();
        return server;
      } catch (err) {
        await server.stop();
        const portTaken = server.log.includes('Address already in use');
        if (!portTaken || opts.port !== undefined || attempt === PORT_ATTEMPTS) throw err;
      }
    }
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** The redis-server process id (changes on restartEmpty). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** An ioredis client for assertions; stop() closes it. Its errors surface through its commands. */
  client(options: RedisOptions = {}): Redis {
    const client = new Redis(this.port, '127.0.0.1', options);
    client.on('error', () => {}); // ioredis reports every failed reconnect here; a test asserts on commands
    this.clients.add(client);
    client.once('end', () => this.clients.delete(client));
    return client;
  }

  /** Whether a raw PING gets +PONG within `timeoutMs` (no client library, no queue, no retry). */
  async ping(timeoutMs = PING_TIMEOUT_MS): Promise<boolean> {
    return (await this.ask('PING', (answer) => answer.includes('\r\n'), timeoutMs))?.startsWith('+PONG') ?? false;
  }

  /**
   * The pid of the redis-server answering on the port, or undefined. A PING alone cannot tell: when the
   * port was taken, another server answers while ours fails to bind.
   */
  private async answeringPid(): Promise<number | undefined> {
    const info = await this.ask('INFO server', (answer) => /process_id:\d+\r\n/.test(answer), PING_TIMEOUT_MS);
    const pid = info?.match(/process_id:(\d+)\r\n/)?.[1];
    return pid === undefined ? undefined : Number(pid);
  }

  /** Sends one inline command on a fresh connection; the answer once `complete`, or undefined. */
  private ask(command: string, complete: (answer: string) => boolean, timeoutMs: number): Promise<string | undefined> {
    return new Promise((resolve) => {
      const socket = connect(this.port, '127.0.0.1');
      let answer = '';
      const done = (result: string | undefined) => {
        clearTimeout(timer);
        socket.destroy();
        resolve(result);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      socket.on('connect', () => socket.write(`${command}\r\n`));
      socket.on('data', (d) => {
        answer += d;
        if (complete(answer)) done(answer);
      });
      socket.on('error', () => done(undefined));
    });
  }

  /** Freezes the server (SIGSTOP): the kernel still accepts connections, nothing is answered. */
  pause(): void {
    this.signal('SIGSTOP');
  }

  resume(): void {
    this.signal('SIGCONT');
  }

  /** Crashes it (SIGKILL) and waits for the exit. Clients stay and keep retrying; idempotent. */
  async kill(): Promise<Exit | undefined> {
    if (this.child === undefined) return undefined;
    return signalAndWait(this.child, 'SIGKILL', 0);
  }

  /** Kills it (if running) and starts an empty one on the same port: clients reconnect to the same URL. */
  async restartEmpty(): Promise<void> {
    if (this.stopped) throw new Error('restartEmpty() after stop()');
    await this.kill();
    await this.launch();
  }

  /** The end: closes the clients, SIGTERM (SIGKILL if it lingers or is paused), removes the temp dir. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const client of this.clients) client.disconnect();
    this.clients.clear();
    if (this.child !== undefined && running(this.child)) {
      process.kill(this.child.pid!, 'SIGCONT'); // a paused server would not act on SIGTERM
      await signalAndWait(this.child, 'SIGTERM', STOP_TIMEOUT_MS);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private signal(sig: NodeJS.Signals): void {
    if (this.child === undefined || !running(this.child)) throw new Error(`redis-server on ${this.port} is not running (${sig})`);
    process.kill(this.child.pid!, sig);
  }

  private async launch(): Promise<void> {
    const args = [
      '--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir,
      // nothing on disk: a restart is empty, and tests leave no dump.rdb behind
      '--save', '', '--appendonly', 'no',
      '--daemonize', 'no', '--loglevel', 'warning', '--logfile', '',
    ];
    const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.on('data', (d) => (this.log += d));
    child.stderr!.on('data', (d) => (this.log += d));
    child.on('error', (err) => (this.log += `\nspawn ${REDIS_SERVER}: ${err.message}\n`));
    await poll(
      async () => {
        if (child.pid === undefined || !running(child)) {
          await outputRead(child);
          throw new Error(`redis-server on port ${this.port} ended before answering (${JSON.stringify(exitNow(child))}):\n${this.log}`);
        }
        return (await this.answeringPid()) === child.pid ? true : undefined;
      },
      () => `redis-server ${child.pid} did not answer on port ${this.port}:\n${this.log}`,
      START_TIMEOUT_MS,
    );
  }
}

/** Two in-process hubs on one fresh redis-server, with the same `options`; stop() closes both, then Redis. */
export async function startHubPairOnRedis(options: Partial<HubOptions>): Promise<{ redis: RedisServer; a: TestHub; b: TestHub; stop(): Promise<void> }> {
  const redis = await RedisServer.start();
  const a = await startHub({ redisUrl: redis.url, ...options });
  const b = await startHub({ redisUrl: redis.url, ...options });
  return {
    redis, a, b,
    async stop() {
      await a.hub.close();
      await b.hub.close();
      await redis.stop();
    },
  };
}

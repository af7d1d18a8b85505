/**
 * The cluster benchmark's child processes: a real redis-server on a free port and `roomwire hub` commands
 * (compiled, as `npm start` runs them), each on 127.0.0.1. Each child ends with the benchmark however the
 * benchmark ends: its stdin is a pipe from the benchmark, and the child exits when that pipe closes (the
 * hub through exit-with-parent.mjs, redis-server through the shell that started it), so even a benchmark
 * killed with SIGKILL leaves nothing behind.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { BIN, listeningPort } from '../test/helpers/hub-process.ts';
import { freePort } from '../test/helpers/coturn.ts';

const GUARD = fileURLToPath(new URL('./exit-with-parent.mjs', import.meta.url));

/** Budgets and per-address limits far above what the benchmark sends: it measures the hub, not refusals. */
export const LIFTED_LIMITS = [
  '--messages-per-second', '1000000000', '--message-burst', '1000000000',
  '--bytes-per-second', '1000000000000', '--byte-burst', '1000000000000',
  '--max-connections-per-address', '100000', '--max-sessions-per-address', '100000',
  '--connections-per-second-per-address', '1000000', '--connection-burst-per-address', '1000000',
  '--joins-per-second-per-address', '1000000', '--join-burst-per-address', '1000000',
];

export interface Child {
  /** Stops it (closing its stdin) and resolves when it has exited; SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

function stopper(child: ChildProcessWithoutNullStreams): Child['stop'] {
  return async (graceMs = 5_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.stdin.end();
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(kill);
  };
}

export interface RedisServer extends Child {
  url: string;
}

/** redis-server with no persistence (`--save '' --appendonly no`), resolved once it accepts connections. */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  // The shell ends redis-server when the benchmark's pipe closes, and exits with it (also when it fails to start).
  // (A background job's stdin is /dev/null unless redirected: hence the pipe's copy on fd 3.)
  const script = `exec 3<&0; redis-server --bind 127.0.0.1 --port ${port} --save '' --appendonly no & pid=$!; ` +
    '(cat <&3 >/dev/null; kill $pid) & wait $pid';
  const child = spawn('sh', ['-c', script], { stdio: 'pipe' });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d;
      if (out.includes('Ready to accept connections')) {
        child.stdout.off('data', onData);
        child.stdout.resume();
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => (out += d));
    child.once('exit', () => reject(new Error(`redis-server exited before it was ready:\n${out}`)));
  });
  return { url: `redis://127.0.0.1:${port}`, stop: stopper(child) };
}

export interface HubChild extends Child {
  pid: number;
  port: number;
  url: string;
  /** Rooms with members on this hub (its /healthz). */
  rooms(): Promise<number>;
}

/**
 * `roomwire hub --host 127.0.0.1 --port 0 --no-server-peer <LIFTED_LIMITS> <args>`. `nodeArgs` go to node
 * (e.g. --cpu-prof); ROOMWIRE_BENCH_NODE_ARGS adds to them for every hub, for profiling a whole run.
 */
export async function startHubChild(args: string[] = [], nodeArgs: string[] = []): Promise<HubChild> {
  const extra = (process.env.ROOMWIRE_BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const child = spawn(process.execPath, [
    ...nodeArgs, ...extra, '--import', GUARD, BIN, 'hub', '--host', '127.0.0.1', '--port', '0', '--no-server-peer', ...LIFTED_LIMITS, ...args,
  ], { env: { ...process.env, NODE_ENV: 'production' }, stdio: 'pipe' });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d));
  const port = await listeningPort(child).catch((e: Error) => {
    throw new Error(`${e.message}: ${err}`);
  });
  child.stdout.resume(); // warnings and errors, unread: the benchmark only needs the port
  return {
    pid: child.pid!,
    port,
    url: `ws://127.0.0.1:${port}/ws`,
    async rooms() {
      const health = await (await fetch(`http://127.0.0.1:${port}/healthz`)).json() as { rooms: number };
      return health.rooms;
    },
    stop: stopper(child),
  };
}

/** Waits until no hub has a room left (the sessions of a finished round have ended), at most `timeoutMs`. */
export async function settled(hubs: HubChild[], timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const rooms = await Promise.all(hubs.map((h) => h.rooms()));
    if (rooms.every((n) => n === 0)) return;
    if (performance.now() > deadline) throw new Error(`rooms still open ${timeoutMs} ms after a round: ${rooms.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

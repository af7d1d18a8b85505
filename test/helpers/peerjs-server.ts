/**
 * The original peerjs-server (npm `peer`) in a child process, for the differential tests and the benchmark:
 * its `peerjs` command as operators run it, or its PeerServer() embedded as its README shows. And roomwire's
 * own command, with --peerjs or without, for the benchmarks. All on 127.0.0.1; peerjs-server's command cannot take port 0,
 * so it gets a port found free just before. The commands run with memory-probe.mjs preloaded.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { BIN } from './hub-process.ts';
import { freePort } from './coturn.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PEERJS_BIN = fileURLToPath(new URL('../../node_modules/peer/dist/bin/peerjs.js', import.meta.url));
/** Preload it (--import, with --expose-gc and an IPC channel) to let probed() read the process's memory. */
export const PROBE = fileURLToPath(new URL('./memory-probe.mjs', import.meta.url));

/** What a benchmark reads of a server process's memory. */
export interface MemoryProbe {
  /** The process's resident set size now, in bytes (VmRSS). */
  rss(): number;
  /** process.memoryUsage() in the process after full collections (commands started with the probe only). */
  memory(): Promise<NodeJS.MemoryUsage>;
  /** Writes a heap snapshot of the process to `path` (probe only); resolves with the path written. */
  heapSnapshot(path: string): Promise<string>;
}

export interface ServerProcess extends MemoryProbe {
  port: number;
  pid: number;
  /** Resolves with the exit code (or signal) when the process ends, however it ends. */
  exited: Promise<number | string | null>;
  stop(): Promise<void>;
}

/** The resident set size of process `pid` now, in bytes (VmRSS of /proc/<pid>/status). */
export function rssOf(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}

/** The memory of `child`, a process started with PROBE preloaded (memory() and heapSnapshot() need that). */
export function probed(child: ChildProcess): MemoryProbe {
  return {
    rss: () => rssOf(child.pid!),
    memory() {
      const answer = once(child, 'message').then(([m]) => m as NodeJS.MemoryUsage);
      child.send('memory');
      return answer;
    },
    heapSnapshot(path) {
      const answer = once(child, 'message').then(([m]) => (m as { path: string }).path);
      child.send({ heapSnapshot: path });
      return answer;
    },
  };
}

function wrap(child: ChildProcess, port: number): ServerProcess {
  const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  return {
    ...probed(child),
    port,
    pid: child.pid!,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL'); // its SIGTERM handler waits for every socket to close
      await exited;
    },
  };
}

/**
 * Resolves with the first line `child` prints that contains `text` (it keeps reading its output after,
 * so that the child never blocks on a full pipe).
 */
function printed(child: ChildProcess, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let found = false;
    child.stdout!.on('data', (d: Buffer) => {
      if (found) return;
      out += d;
      const line = out.split('\n').find((l) => l.includes(text));
      if (line === undefined) return;
      found = true;
      resolve(line);
    });
    child.once('exit', () => reject(new Error(`exited before printing "${text}": ${out}`)));
  });
}

/** `peerjs --port P --host 127.0.0.1 <args>`: peerjs-server's own command (e.g. --expire_timeout 1500). */
export async function startPeerjsServer(args: string[] = []): Promise<ServerProcess> {
  const port = await freePort();
  const child = fork(PEERJS_BIN, ['--port', String(port), '--host', '127.0.0.1', ...args], {
    execArgv: ['--expose-gc', '--import', PROBE],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.stderr!.resume();
  await printed(child, 'Started PeerServer');
  return wrap(child, port);
}

/** peerjs-server embedded as its README shows (`PeerServer({port})`, no 'error' listener). */
export async function startEmbeddedPeerjsServer(): Promise<ServerProcess> {
  const port = await freePort();
  const script = `import { PeerServer } from 'peer'; PeerServer({ port: ${port}, host: '127.0.0.1' }, () => console.log('listening'));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr!.resume();
  await printed(child, 'listening');
  return wrap(child, port);
}

/** `roomwire hub --peerjs --no-server-peer <args>` on 127.0.0.1, port 0 (compiled, as `npm start` runs it). */
export async function startRoomwireHub(args: string[] = []): Promise<ServerProcess> {
  return startRoomwireCommand(['--peerjs', ...args]);
}

/** `roomwire hub --no-server-peer <args>` on 127.0.0.1, port 0 (compiled), with the memory probe. */
export async function startRoomwireCommand(args: string[] = []): Promise<ServerProcess> {
  const child = fork(BIN, ['hub', '--host', '127.0.0.1', '--port', '0', '--no-server-peer', ...args], {
    execArgv: ['--expose-gc', '--import', PROBE],
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.stderr!.resume();
  const line = await printed(child, '"hub listening"');
  return wrap(child, JSON.parse(line).port);
}

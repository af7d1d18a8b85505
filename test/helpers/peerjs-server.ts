/**
 * The original peerjs-server (npm `peer`) in a child process, for the differential tests and the benchmark:
 * its `peerjs` command as operators run it, or its PeerServer() embedded as its README shows. And roomwire's
 * own command with --peerjs, for the benchmark. All on 127.0.0.1; peerjs-server's command cannot take port 0,
 * so it gets a port found free just before.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { BIN, listeningPort } from './hub-process.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PEERJS_BIN = fileURLToPath(new URL('../../node_modules/peer/dist/bin/peerjs.js', import.meta.url));

export interface ServerProcess {
  port: number;
  /** Resolves with the exit code (or signal) when the process ends, however it ends. */
  exited: Promise<number | string | null>;
  /** The process's resident set size now, in bytes (VmRSS). */
  rss(): number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

function wrap(child: ChildProcess, port: number): ServerProcess {
  const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  return {
    port,
    exited,
    rss() {
      const line = readFileSync(`/proc/${child.pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!;
      return Number(/(\d+)/.exec(line)![1]) * 1024;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL'); // its SIGTERM handler waits for every socket to close
      await exited;
    },
  };
}

/** Resolves when `child` prints a line containing `text` (it keeps reading its output, so it never blocks). */
function printed(child: ChildProcess, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      if (out.includes(text)) return;
      out += d;
      if (out.includes(text)) resolve();
    });
    child.once('exit', () => reject(new Error(`exited before printing "${text}": ${out}`)));
  });
}

/** `peerjs --port P --host 127.0.0.1 <args>`: peerjs-server's own command (e.g. --expire_timeout 1500). */
export async function startPeerjsServer(args: string[] = []): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [PEERJS_BIN, '--port', String(port), '--host', '127.0.0.1', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
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
  const child = spawn(process.execPath, [BIN, 'hub', '--host', '127.0.0.1', '--port', '0', '--peerjs', '--no-server-peer', ...args], {
    env: { ...process.env, NODE_ENV: 'production' },
  });
  child.stderr.resume();
  const port = await listeningPort(child);
  child.stdout.resume();
  return wrap(child, port);
}

/**
 * y-webrtc's own signaling server (node_modules/y-webrtc/bin/server.js, unchanged) in a child process, for
 * differential tests and benchmarks. It reads its port from PORT and listens on every interface; it has no
 * way to pick a free port itself and report it, so we pick one and hand it over.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { freePort } from './coturn.ts';

export interface OriginalServer {
  url: string;
  port: number;
  child: ChildProcess;
  /** Resolves with the exit code (or signal) when the process ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What it wrote to stderr (its stack trace, when it dies). */
  stderr(): string;
  close(): Promise<void>;
}

// y-webrtc's exports map names neither its package.json nor bin/: its CommonJS main is dist/y-webrtc.cjs.
export const ORIGINAL_SERVER_JS = join(dirname(createRequire(import.meta.url).resolve('y-webrtc')), '..', 'bin', 'server.js');

export async function startOriginalServer(): Promise<OriginalServer> {
  const port = await freePort();
  const child = spawn(process.execPath, [ORIGINAL_SERVER_JS], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('y-webrtc server did not start within 10 s')), 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      if (!chunk.toString().includes('Signaling server running')) return;
      clearTimeout(timer);
      resolve();
    });
    void exited.then(() => reject(new Error(`y-webrtc server exited at start: ${stderr}`)));
  });
  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    child,
    exited,
    stderr: () => stderr,
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

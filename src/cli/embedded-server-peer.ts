/**
 * The server peer that `roomwire hub` runs by default: `roomwire server-peer` in a child process, so that
 * werift's DTLS and SCTP work never delays signaling. Restarted with backoff if it dies.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../hub/logger.ts';

const BIN = fileURLToPath(new URL('../../bin/roomwire.js', import.meta.url));
const RESTART_MIN_MS = 1_000;
const RESTART_MAX_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

export interface EmbeddedServerPeer {
  stop(): Promise<void>;
}

export function startEmbeddedServerPeer(o: {
  url: string; secret: string; historySize: number; historyMaxBytes: number;
  /** The hub's Redis ('' none): the server peer keeps room history there. */
  redisUrl: string;
  logger: Logger;
}): EmbeddedServerPeer {
  let child: ChildProcess | undefined;
  let stopping = false;
  let failures = 0;
  let restartTimer: NodeJS.Timeout | undefined;

  const launch = () => {
    const args = ['server-peer', '--url', o.url, '--history-size', String(o.historySize), '--history-max-bytes', String(o.historyMaxBytes)];
    child = spawn(process.execPath, [BIN, ...args], {
      // Secrets (a Redis URL may carry a password) by environment, not in arguments anyone can list.
      env: { ...process.env, ROOMWIRE_SERVER_PEER_SECRET: o.secret, REDIS_URL: o.redisUrl },
      // The IPC channel closes when the hub dies, even by SIGKILL: the server peer then stops too, not orphaned.
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const started = Date.now();
    child.once('exit', (code, signal) => {
      if (stopping) return;
      failures = Date.now() - started > RESTART_MAX_MS ? 0 : failures + 1;
      const delay = Math.min(RESTART_MAX_MS, RESTART_MIN_MS * 2 ** (failures - 1));
      o.logger.warn({ code, signal, restartInMs: delay }, 'server peer exited; restarting');
      restartTimer = setTimeout(launch, delay);
    });
    o.logger.info({ pid: child.pid }, 'server peer started');
  };
  launch();

  return {
    async stop() {
      stopping = true;
      clearTimeout(restartTimer);
      const running = child;
      if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
      const exited = once(running, 'exit');
      running.kill('SIGTERM');
      const timer = setTimeout(() => running.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

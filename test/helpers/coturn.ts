/** Real coturn (Debian's /usr/bin/turnserver) on loopback, started from a config file, for one test file. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TURNSERVER = '/usr/bin/turnserver';

export interface Coturn {
  port: number;
  logFile: string;
  log(): string;
  stop(): Promise<void>;
}

/** A port free for both TCP and UDP right now (coturn listens on both). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

/**
 * Starts turnserver with `config` (the text of a turnserver.conf) and resolves once it serves.
 * Adds nothing to the config: the caller writes exactly what coturn reads.
 */
export async function startCoturn(config: string, port: number): Promise<Coturn> {
  const dir = mkdtempSync(join(tmpdir(), 'roomwire-coturn-'));
  const configFile = join(dir, 'turnserver.conf');
  const logFile = join(dir, 'turn.log');
  writeFileSync(configFile, config.replaceAll('{{LOG_FILE}}', logFile).replaceAll('{{DIR}}', dir));
  const child: ChildProcess = spawn(TURNSERVER, ['-c', configFile, '--pidfile', join(dir, 'turn.pid')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const log = () => {
    try {
      return output + readFileSync(logFile, 'utf8');
    } catch {
      return output;
    }
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`turnserver exited with ${child.exitCode}:\n${log()}`);
    if (/Total (General|UDP|TCP) servers/i.test(log()) && (await udpAnswers(port))) break;
    if (Date.now() > deadline) throw new Error(`turnserver did not start:\n${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    logFile,
    log,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Whether a STUN Binding request to 127.0.0.1:port gets an answer. */
async function udpAnswers(port: number): Promise<boolean> {
  const { createSocket } = await import('node:dgram');
  const socket = createSocket('udp4');
  const request = Buffer.alloc(20);
  request.writeUInt16BE(0x0001, 0);
  request.writeUInt32BE(0x2112a442, 4);
  request.fill(7, 8);
  return new Promise((resolve) => {
    const timer = setTimeout(() => { socket.close(); resolve(false); }, 300);
    socket.once('message', () => { clearTimeout(timer); socket.close(); resolve(true); });
    socket.send(request, port, '127.0.0.1');
  });
}

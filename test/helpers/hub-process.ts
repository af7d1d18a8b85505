/** `roomwire hub` as a subprocess (JSON logs), as `npm start` runs it: its port and its log lines. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/roomwire.js', import.meta.url));

/** `roomwire ...args` run to its end: the exit code and everything it printed. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NODE_ENV: 'production', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const [code] = await once(child, 'exit');
  return { code, stdout, stderr };
}

/** Reads the hub's JSON log lines until the "hub listening" one, and returns its port. */
export async function listeningPort(child: ChildProcessWithoutNullStreams): Promise<number> {
  // 'data' events, not an async iterator: leaving a for-await loop would destroy stdout.
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk;
      const line = buffered.split('\n').find((l) => l.includes('"hub listening"'));
      if (line === undefined) return;
      child.stdout.off('data', onData);
      resolve(JSON.parse(line).port);
    };
    child.stdout.on('data', onData);
    child.once('exit', () => reject(new Error('the hub exited before listening')));
  });
}

/** A hub on 127.0.0.1, a free port, with whatever else `args` say (the embedded server peer by default). */
export class HubProcess {
  /** Everything it (and its server peer child, which shares its stdout) printed. */
  log = '';
  private constructor(private readonly child: ChildProcessWithoutNullStreams, readonly port: number) {}

  static async start(args: string[] = []): Promise<HubProcess> {
    const child = spawn(process.execPath, [BIN, 'hub', '--host', '127.0.0.1', '--port', '0', ...args], {
      env: { ...process.env, NODE_ENV: 'production' },
    });
    let early = '';
    const keep = (d: Buffer) => (early += d);
    child.stdout.on('data', keep);
    const port = await listeningPort(child);
    const hub = new HubProcess(child, port);
    child.stdout.off('data', keep);
    hub.log = early;
    child.stdout.on('data', (d: Buffer) => (hub.log += d));
    return hub;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  /** Waits until the log contains `text`. */
  async logged(text: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.log.includes(text)) {
      if (Date.now() > deadline) throw new Error(`the hub did not log "${text}":\n${this.log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The exit code, when the process ends by itself (after a drain). */
  async exited(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    return (await once(this.child, 'exit'))[0] as number | null;
  }

  /** SIGTERM, then the exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    return (await exited)[0] as number | null;
  }
}

/** The command line as a user runs it: a real process, real signals. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hubOptionSpecs } from '../../src/hub/options.ts';
import { flagOf } from '../../src/option-spec.ts';
import { listeningPort, runCli } from '../helpers/hub-process.ts';
import { TestClient } from '../helpers/test-client.ts';

const BIN = fileURLToPath(new URL('../../bin/roomwire.js', import.meta.url));

function run(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NODE_ENV: 'production', ...env } });
}

const output = runCli;

describe('roomwire CLI', () => {
  it('lists its subcommands', async () => {
    const { code, stdout } = await output(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\s+hub\s/m);
    expect(stdout).toMatch(/^\s+token\s/m);
  });

  it('`hub --help` lists every hub option with its default, from the options module', async () => {
    const { code, stdout } = await output(['hub', '--help']);
    expect(code).toBe(0);
    for (const [key, spec] of Object.entries(hubOptionSpecs)) {
      const line = stdout.split('\n').find((l) => l.trimStart().startsWith(flagOf(key) + ' '));
      expect(line, key).toBeDefined();
      if (spec.kind === 'int') expect(line).toContain(`default ${spec.default} ${spec.unit}`);
    }
  });

  it('refuses unknown commands and options with a usage error', async () => {
    expect((await output(['teleport'])).code).toBe(2);
    const bad = await output(['hub', '--max-frame-bytes', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--max-frame-bytes takes a whole number');
    expect((await output(['hub', '--frobnicate'])).stderr).toContain('unknown option --frobnicate');
  });

  it('starts a hub (PORT from the environment), closes sockets with 1001 on SIGTERM and exits 0', async () => {
    const child = run(['hub', '--host', '127.0.0.1'], { PORT: '0' });
    const port = await listeningPort(child);
    const client = await TestClient.connect(`ws://127.0.0.1:${port}/ws`);
    await client.join('lobby');
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    expect((await client.closed).code).toBe(1001);
    const [code] = await exited;
    expect(code).toBe(0);
  });

  it('runs a server peer next to the hub by default, which joins rooms as role server; --no-server-peer turns it off', async () => {
    const child = run(['hub', '--host', '127.0.0.1', '--port', '0']);
    let log = '';
    child.stdout.on('data', (d) => (log += d));
    const port = await listeningPort(child);
    const c = await TestClient.connect(`ws://127.0.0.1:${port}/ws`);
    await c.join('with-server');
    expect(await c.next('peer-joined', 15_000)).toMatchObject({ role: 'server', name: 'server' });
    child.kill('SIGTERM');
    expect((await once(child, 'exit'))[0]).toBe(0);
    expect(log).toContain('server peer started');

    const bare = run(['hub', '--host', '127.0.0.1', '--port', '0', '--no-server-peer']);
    let bareLog = '';
    bare.stdout.on('data', (d) => (bareLog += d));
    const barePort = await listeningPort(bare);
    const d = await TestClient.connect(`ws://127.0.0.1:${barePort}/ws`);
    expect((await d.join('alone')).peers).toEqual([]);
    bare.kill('SIGTERM');
    expect((await once(bare, 'exit'))[0]).toBe(0);
    // the hub logs "server peer started" right after it listens when it starts one
    expect(bareLog).toContain('hub closed');
    expect(bareLog).not.toContain('server peer started');
  }, 30_000);

  it('issues join tokens that a hub with the same secret accepts', async () => {
    const secret = 'cli-secret-abcdef-0123456789-abcdefghij';
    const { code, stdout } = await output(['token', '--room', 'vip', '--name', 'Val', '--ttl-seconds', '60'], { ROOMWIRE_AUTH_SECRET: secret });
    expect(code).toBe(0);
    const token = stdout.trim();
    const child = run(['hub', '--host', '127.0.0.1', '--port', '0', '--auth-secret', secret]);
    const port = await listeningPort(child);
    const c = await TestClient.connect(`ws://127.0.0.1:${port}/ws`);
    c.send({ type: 'join', room: 'vip' });
    await c.nextError('unauthorized');
    const joined = await c.join('vip', 'anything', { token });
    expect(joined.room).toBe('vip');
    child.kill('SIGINT');
    expect((await once(child, 'exit'))[0]).toBe(0);
    expect((await output(['token', '--room', 'x'], { ROOMWIRE_AUTH_SECRET: '' })).code).toBe(2);
  });
});

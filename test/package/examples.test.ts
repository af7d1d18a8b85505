/**
 * The Node examples run as their readers would run them, in processes of their own: examples/node-bot.ts
 * under tsx, and examples/server-bot.ts loaded by `roomwire server-peer --bot` (compiled bin, tsx for the
 * bot file). examples/browser-chat/ runs in browser-chat.test.ts.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoomClient } from '../../src/client/room-client.ts';
import { startHub, type TestHub } from '../helpers/hub.ts';
import { collect, connectClient, until } from '../helpers/room-clients.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SECRET = 'server-peer-secret-for-example-tests';

let t: TestHub;
const clients: RoomClient[] = [];
const children: ChildProcessWithoutNullStreams[] = [];

beforeAll(async () => {
  t = await startHub({ serverPeerSecret: SECRET });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await t?.hub.close();
});

/** A process in the repository's root, its output kept; resolves once `ready` holds. */
async function start(args: string[], ready: (output: string) => boolean): Promise<{ child: ChildProcessWithoutNullStreams; output: () => string }> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, NODE_ENV: 'production' } });
  children.push(child);
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  await until(() => ready(output) || child.exitCode !== null, `${args.join(' ')} is ready`);
  if (!ready(output)) throw new Error(`exited with ${child.exitCode}:\n${output}`);
  return { child, output: () => output };
}

async function stop(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  return (await exited)[0] as number | null;
}

describe('examples', () => {
  it('node-bot.ts greets who joins, answers ping with pong, and prints what it hears with its path', async () => {
    const bot = await start(['--import', 'tsx', 'examples/node-bot.ts', t.url, 'node-bot-room', 'pinger'], (out) => out.includes('pinger joined node-bot-room'));
    const client = await connectClient(t.url);
    clients.push(client);
    const room = await client.join('node-bot-room', { name: 'tester' });
    const inbox = collect(room);
    await until(() => inbox.some((m) => m.data === 'hello tester' && m.whisper), 'the greeting');
    room.send('ping');
    await until(() => inbox.some((m) => m.data === 'pong'), 'pong');
    await until(() => /via (direct|turn|relay): ping/.test(bot.output()), 'the bot prints the message and its path');
    expect(await stop(bot.child)).toBe(0);
  }, 60_000);

  it('server-bot.ts runs in `roomwire server-peer --bot`: a welcome for who joins, /roll for everyone', async () => {
    const server = await start(
      ['bin/roomwire.js', 'server-peer', '--url', t.url, '--secret', SECRET, '--bot', 'examples/server-bot.ts'],
      () => t.hub.stats().connections === 1,
    );
    const [ann, bob] = [await connectClient(t.url), await connectClient(t.url)];
    clients.push(ann, bob);
    const annRoom = await ann.join('dice', { name: 'ann' });
    // "serving": its hooks are on the room. (A peer joining between the server peer's `joined` and that moment
    // gets no welcome: ServerPeer.serve() adds its listeners after `await client.join()`.)
    await until(() => server.output().includes('"msg":"serving dice"'), 'the server peer serves the new room');
    const annInbox = collect(annRoom);
    const bobRoom = await bob.join('dice', { name: 'bob' });
    const bobInbox = collect(bobRoom);
    await until(() => bobInbox.some((m) => m.data === 'welcome to dice, bob: try /help' && m.whisper), 'the welcome');
    annRoom.send('/roll 20');
    const rolled = (inbox: typeof annInbox) => inbox.some((m) => typeof m.data === 'string' && /^ann rolled ([1-9]|1\d|20) \(d20\)$/.test(m.data));
    await until(() => rolled(annInbox) && rolled(bobInbox), 'the roll, for everyone');
    expect(await stop(server.child)).toBe(0);
  }, 60_000);
});

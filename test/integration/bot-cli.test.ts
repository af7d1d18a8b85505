/** `roomwire bot` as a person or a script uses it: a subprocess, stdin in, --json events out. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RoomClient } from '../../src/client/room-client.ts';
import { BotProcess, isEvent } from '../helpers/bot-process.ts';
import { startHub, type TestHub } from '../helpers/hub.ts';
import { collect, connectClient, until, untilPaths } from '../helpers/room-clients.ts';

let t: TestHub;
const clients: RoomClient[] = [];
const bots: BotProcess[] = [];
beforeAll(async () => { t = await startHub(); });
afterEach(() => { for (const b of bots.splice(0)) b.kill(); });
afterAll(async () => {
  for (const c of clients) c.close();
  await t.hub.close();
});

function bot(args: string[]) {
  const b = new BotProcess(['--url', t.url, ...args]);
  bots.push(b);
  return b;
}

describe('roomwire bot', () => {
  it('chats with a werift client: events out, lines in, whispers, echo, and a clean leave on SIGINT', async () => {
    const tester = await connectClient(t.url);
    clients.push(tester);
    const room = await tester.join('lobby', { name: 'tester' });
    const inbox = collect(room);
    const alice = bot(['--room', 'lobby', '--name', 'alice', '--echo']);
    const joined = await alice.event(isEvent('joined'), 'joined');
    expect(joined).toMatchObject({ room: 'lobby', name: 'alice', peers: [{ peerId: tester.peerId, name: 'tester' }] });
    await untilPaths(room, 1, ['direct']);

    room.send('hello bot');
    const got = await alice.event(isEvent('message', (e) => e.data === 'hello bot'), 'the message');
    expect(got).toMatchObject({ from: tester.peerId, name: 'tester', whisper: false, binary: false, path: 'direct' });
    await until(() => inbox.some((m) => m.data === 'hello bot' && m.whisper), 'the echo, whispered back');

    alice.type('hi all');
    alice.type('/w tester psst');
    alice.type('/w nobody lost');
    await until(() => inbox.some((m) => m.data === 'hi all' && !m.whisper) && inbox.some((m) => m.data === 'psst' && m.whisper), 'typed lines');
    await alice.event(isEvent('error', (e) => e.code === 'peer-not-found'), 'unknown whisper target');

    const left = new Promise((resolve) => room.on('peer-left', resolve));
    alice.signal('SIGINT');
    expect(await alice.exited).toBe(0);
    expect(await left).toMatchObject({ name: 'alice', reason: 'left' });
    await alice.event(isEvent('left'), 'left');
  }, 60_000);

  it('runs a --script, says things --every, and with --no-p2p talks over the hub relay', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roomwire-bot-'));
    const script = join(dir, 'pong.mjs');
    writeFileSync(script, `export default {
      onJoin(ctx) { ctx.send('ready'); },
      onMessage(m, ctx) { if (m.data === 'ping') ctx.send('pong to ' + m.name, m.from); },
    };\n`);
    const tester = await connectClient(t.url);
    clients.push(tester);
    const room = await tester.join('scripted', { name: 'tester' });
    const inbox = collect(room);
    const b = bot(['--room', 'scripted', '--name', 'pongbot', '--script', script, '--no-p2p', '--say', 'tick', '--every', '300ms']);
    await until(() => inbox.some((m) => m.data === 'ready'), 'onJoin ran');
    await until(() => inbox.filter((m) => m.data === 'tick').length >= 2, '--say repeats every --every');
    room.send('ping');
    await until(() => inbox.some((m) => m.data === 'pong to tester'), 'onMessage answered');
    expect(inbox.every((m) => m.path === 'relay')).toBe(true);
    b.signal('SIGTERM');
    expect(await b.exited).toBe(0);
  }, 60_000);

  it('exits 1 with a clear message when the hub cannot be reached', async () => {
    const b = new BotProcess(['--url', 'ws://127.0.0.1:9/ws', '--room', 'x']);
    bots.push(b);
    expect(await b.exited).toBe(1);
    expect(b.stderr).toContain('cannot reach the hub at ws://127.0.0.1:9/ws');
  }, 30_000);

  it('exits 3 with the reason when the hub refuses the join', async () => {
    const full = await startHub({ maxPeersPerRoom: 1 });
    const occupant = await connectClient(full.url);
    await occupant.join('tiny');
    const b = new BotProcess(['--url', full.url, '--room', 'tiny']);
    bots.push(b);
    expect(await b.exited).toBe(3);
    expect(b.stderr).toMatch(/refused .*tiny.*room-full/);
    occupant.close();
    await full.hub.close();
  }, 30_000);
});

describe('roomwire bot and topology', () => {
  it('reports the topology when it joins and when it changes', async () => {
    const { ServerPeer } = await import('../../src/server-peer/server-peer.ts');
    const hub = await startHub({ serverPeerSecret: 'topo-xxxxxxxxxxxxxxxxxxxxxxxxxxxx', meshLimit: 1 });
    const peer = new ServerPeer({ url: hub.url, secret: 'topo-xxxxxxxxxxxxxxxxxxxxxxxxxxxx', rooms: [], historySize: 0, name: 'server' });
    await peer.start();
    const b = new BotProcess(['--url', hub.url, '--room', 'topo-xxxxxxxxxxxxxxxxxxxxxxxxxxxx']);
    bots.push(b);
    const joined = await b.event(isEvent('joined'), 'joined');
    expect(joined.topology).toBe('mesh');
    const other = await connectClient(hub.url);
    await other.join('topo-xxxxxxxxxxxxxxxxxxxxxxxxxxxx');
    await b.event(isEvent('topology', (e) => e.topology === 'star'), 'the switch to a star');
    other.close();
    b.signal('SIGTERM');
    await b.exited;
    await peer.close();
    await hub.hub.close();
  }, 60_000);
});

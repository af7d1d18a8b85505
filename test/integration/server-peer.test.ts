/** The server peer (werift, role server) against a real hub: history, bot commands, room life cycle. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoomClient } from '../../src/client/room-client.ts';
import { ServerPeer } from '../../src/server-peer/server-peer.ts';
import diceBot from '../../examples/server-bot.ts';
import { startHub, type TestHub } from '../helpers/hub.ts';
import { collect, connectClient, until, untilPaths } from '../helpers/room-clients.ts';
import { TestClient } from '../helpers/test-client.ts';

const SECRET = 'server-peer-secret-for-tests-xxxx';
let t: TestHub;
let server: ServerPeer;
const clients: RoomClient[] = [];
beforeAll(async () => {
  t = await startHub({ serverPeerSecret: SECRET, maxPeersPerRoom: 2 });
  server = new ServerPeer({ url: t.url, secret: SECRET, rooms: [], historySize: 5, name: 'server', bot: diceBot });
  await server.start();
});
afterAll(async () => {
  for (const c of clients) c.close();
  await server.close();
  await t.hub.close();
});

async function client() {
  const c = await connectClient(t.url);
  clients.push(c);
  return c;
}

describe('the server peer', () => {
  it('joins a room when it opens, as role server, without counting against maxPeersPerRoom', async () => {
    const [a, b] = [await client(), await client()];
    const ra = await a.join('served', { name: 'a' });
    await until(() => [...ra.members.values()].some((p) => p.role === 'server'), 'the server peer joins');
    expect([...ra.members.values()].find((p) => p.role === 'server')).toMatchObject({ name: 'server' });
    await b.join('served', { name: 'b' }); // two peers fit, the server peer aside
    const inbox = collect(ra);
    await untilPaths(ra, 2, ['direct'], 20_000);
    ra.send('/who');
    await until(() => inbox.some((m) => typeof m.data === 'string' && m.data.startsWith('in served:')), '/who answered');
    const who = inbox.find((m) => typeof m.data === 'string' && m.data.startsWith('in served:'))!;
    expect(who).toMatchObject({ whisper: true });
    expect(who.data).toBe('in served: a, b');
  }, 60_000);

  it('replays the last broadcasts to a late joiner, in order, marked as history; whispers are never kept', async () => {
    const early = await client();
    const re = await early.join('history', { name: 'early' });
    await until(() => re.members.size === 1, 'server peer present');
    const serverId = [...re.members.keys()][0]!;
    await untilPaths(re, 1, ['direct'], 20_000);
    for (let i = 0; i < 7; i++) re.send(`m${i}`);
    re.send('a secret', { to: serverId });
    re.send(new Uint8Array([1, 2, 3]));
    // the server peer has them all once it answers a command sent after them
    const earlyInbox = collect(re);
    re.send('/help');
    await until(() => earlyInbox.some((m) => typeof m.data === 'string' && m.data.includes('/who')), '/help answered');

    const late = await client();
    const rl = await late.join('history', { name: 'late' });
    const lateInbox = collect(rl);
    await until(() => lateInbox.filter((m) => m.history !== undefined).length === 5, 'five history messages');
    const history = lateInbox.filter((m) => m.history !== undefined);
    expect(history.map((m) => m.data)).toEqual(['m3', 'm4', 'm5', 'm6', new Uint8Array([1, 2, 3])]);
    for (const m of history) {
      expect(m.from).toBe(serverId);
      expect(m.history!.from).toBe(early.peerId);
      expect(m.history!.at).toBeGreaterThan(Date.now() - 60_000);
    }
    expect(lateInbox.some((m) => m.data === 'a secret')).toBe(false);
    // the example bot greets, and its command works
    await until(() => lateInbox.some((m) => typeof m.data === 'string' && m.data.startsWith('welcome to history, late')), 'greeting');
    rl.send('/roll 20');
    await until(() => lateInbox.some((m) => typeof m.data === 'string' && /^late rolled \d+ \(d20\)$/.test(m.data)) ||
      earlyInbox.some((m) => typeof m.data === 'string' && /^late rolled \d+ \(d20\)$/.test(m.data)), '/roll broadcast');
  }, 60_000);

  it('leaves a room when its last peer leaves, so the room closes', async () => {
    const c = await client();
    const room = await c.join('ephemeral');
    await until(() => server.roomNames().includes('ephemeral'), 'served');
    await room.leave();
    const roomsBefore = t.hub.stats().rooms;
    await until(() => !server.roomNames().includes('ephemeral'), 'released');
    await until(() => t.hub.stats().rooms === roomsBefore - 1, 'the hub closed the room');
  }, 30_000);

  it('refuses role server and watch-rooms without the secret', async () => {
    const c = await TestClient.connect(t.url);
    c.send({ type: 'join', room: 'x', role: 'server', token: 'wrong' });
    await c.nextError('unauthorized');
    c.send({ type: 'join', room: 'x', role: 'server' });
    await c.nextError('unauthorized');
    c.send({ type: 'watch-rooms', token: 'wrong' });
    await c.nextError('unauthorized');
    c.send({ type: 'join', room: 'x', role: 'admin' });
    await c.nextError('bad-message');
    await c.close();
  });
});

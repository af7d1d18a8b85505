/**
 * Star topology: past meshLimit peers (with a server peer present) members talk through the server peer;
 * every message still arrives exactly once and in order, across the switch in both directions.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room, RoomMessage } from '../../src/client/room.ts';
import type { RoomClient } from '../../src/client/room-client.ts';
import { ServerPeer } from '../../src/server-peer/server-peer.ts';
import { startHub, type TestHub } from '../helpers/hub.ts';
import { connectClient, until } from '../helpers/room-clients.ts';

const SECRET = 'star-secret-xxxxxxxxxxxxxxxxxxxxx';
let t: TestHub;
let server: ServerPeer;
const clients: RoomClient[] = [];
beforeAll(async () => {
  t = await startHub({ serverPeerSecret: SECRET, meshLimit: 3 });
  server = new ServerPeer({ url: t.url, secret: SECRET, rooms: [], historySize: 0, name: 'server' });
  await server.start();
});
afterAll(async () => {
  for (const c of clients) c.close();
  await server.close();
  await t.hub.close();
});

interface Member {
  client: RoomClient;
  room: Room;
  inbox: RoomMessage[];
}

async function member(roomName: string, name: string): Promise<Member> {
  const client = await connectClient(t.url);
  clients.push(client);
  const room = await client.join(roomName, { name });
  const inbox: RoomMessage[] = [];
  room.on('message', (m) => { if (m.history === undefined) inbox.push(m); });
  return { client, room, inbox };
}

const peersOf = (m: Member) => m.room.peers().filter((p) => p.role === 'peer');
const serverOf = (m: Member) => m.room.peers().find((p) => p.role === 'server');

/** Each member sends `count` numbered broadcasts; every other member must get them all, once, in order. */
async function exchange(members: Member[], tag: string, count: number): Promise<void> {
  const tagged = (m: Member) => m.inbox.filter((g) => typeof g.data === 'string' && g.data.startsWith(`${tag}:`));
  for (const m of members) for (let k = 0; k < count; k++) m.room.send(`${tag}:${m.client.peerId}:${k}`);
  const expected = (members.length - 1) * count;
  await until(() => members.every((m) => tagged(m).length >= expected), `${tag}: everyone gets ${expected}`, 30_000);
  await new Promise((r) => setTimeout(r, 200));
  members.forEach((m) => {
    const got = tagged(m);
    expect(got.length).toBe(expected);
    for (const other of members) {
      if (other === m) continue;
      expect(got.filter((g) => g.from === other.client.peerId).map((g) => g.data))
        .toEqual(Array.from({ length: count }, (_, k) => `${tag}:${other.client.peerId}:${k}`));
    }
  });
}

describe('star topology', () => {
  it('switches a room past meshLimit to a star and back, losing and duplicating nothing', async () => {
    const members: Member[] = [];
    for (let i = 0; i < 3; i++) members.push(await member('starry', `m${i}`));
    await until(() => members.every((m) => peersOf(m).length === 2 && peersOf(m).every((p) => p.path === 'direct')), 'a mesh of three');
    expect(members.every((m) => m.room.topology === 'mesh')).toBe(true);
    await exchange(members, 'mesh', 30);

    // a stream of whispers from m0 to m1 runs across both switches
    const stream: string[] = [];
    let n = 0;
    const pump = setInterval(() => {
      for (let i = 0; i < 5; i++) {
        const text = `w${n++}`;
        stream.push(text);
        members[0]!.room.send(text, { to: members[1]!.client.peerId });
      }
    }, 10);

    members.push(await member('starry', 'm3'));
    members.push(await member('starry', 'm4'));
    await until(() => members.every((m) => m.room.topology === 'star'), 'everyone hears of the star');
    await until(() => members.every((m) => peersOf(m).length === 4 && peersOf(m).every((p) => p.path === 'star')
      && serverOf(m)?.path === 'direct'), 'member links go through the server peer', 30_000);
    await exchange(members, 'star', 20);
    expect(members.every((m) => m.inbox.slice(-80).every((g) => g.path === 'star'))).toBe(true);

    // whispers reach their target only
    members[2]!.room.send('for m3 only', { to: members[3]!.client.peerId });
    await until(() => members[3]!.inbox.some((g) => g.data === 'for m3 only'), 'the whisper');
    expect(members[3]!.inbox.find((g) => g.data === 'for m3 only')).toMatchObject({ whisper: true, from: members[2]!.client.peerId });

    const leaving = members.splice(3, 2);
    for (const m of leaving) await m.room.leave();
    await until(() => members.every((m) => m.room.topology === 'mesh'), 'back to a mesh');
    await until(() => members.every((m) => peersOf(m).length === 2 && peersOf(m).every((p) => p.path === 'direct')), 'P2P again', 30_000);
    clearInterval(pump);
    await exchange(members, 'mesh-again', 20);
    expect(members.every((m) => m.inbox.filter((g) => g.data === 'for m3 only').length === 0)).toBe(true);

    const whispered = () => members[1]!.inbox.filter((g) => g.whisper && g.from === members[0]!.client.peerId).map((g) => g.data);
    await until(() => whispered().length >= stream.length, `all ${stream.length} streamed whispers`);
    expect(whispered()).toEqual(stream);
  }, 120_000);
});

describe('a star room of 12', () => {
  it('delivers every broadcast to all others once, every whisper to its target only, and returns to mesh', async () => {
    const hub = await startHub({ serverPeerSecret: SECRET }); // default meshLimit: 8
    const peer = new ServerPeer({ url: hub.url, secret: SECRET, rooms: [], historySize: 0, name: 'server' });
    await peer.start();
    const previous = t;
    t = hub; // member() dials `t`
    try {
      const members: Member[] = [];
      for (let i = 0; i < 12; i++) members.push(await member('twelve', `p${i}`));
      await until(() => members.every((m) => m.room.topology === 'star'), 'a star', 30_000);
      await until(() => members.every((m) => peersOf(m).length === 11 && peersOf(m).every((p) => p.path === 'star')
        && serverOf(m)?.path === 'direct'), 'every member reaches the others through the server peer', 60_000);
      await exchange(members, 'twelve', 10);
      for (let i = 0; i < 12; i++) members[i]!.room.send(`secret-${i}`, { to: members[(i + 1) % 12]!.client.peerId });
      await until(() => members.every((m, i) => m.inbox.some((g) => g.data === `secret-${(i + 11) % 12}`)), 'whispers');
      await new Promise((r) => setTimeout(r, 200));
      members.forEach((m, i) => {
        const secrets = m.inbox.filter((g) => typeof g.data === 'string' && g.data.startsWith('secret-'));
        expect(secrets.map((g) => g.data)).toEqual([`secret-${(i + 11) % 12}`]);
        expect(secrets[0]).toMatchObject({ whisper: true, path: 'star' });
      });
      const staying = members.slice(0, 4);
      for (const m of members.slice(4)) await m.room.leave();
      await until(() => staying.every((m) => m.room.topology === 'mesh'), 'back to a mesh');
      await until(() => staying.every((m) => peersOf(m).length === 3 && peersOf(m).every((p) => p.path === 'direct')), 'P2P again', 60_000);
      await exchange(staying, 'four', 10);
    } finally {
      t = previous;
      await peer.close();
      await hub.hub.close();
    }
  }, 180_000);
});

describe('server peer restart', () => {
  it('members of a star ride out a killed server peer process (hub relay, then P2P) and lose nothing', async () => {
    const BIN = fileURLToPath(new URL('../../bin/roomwire.js', import.meta.url));
    const hub = await startHub({ serverPeerSecret: SECRET, meshLimit: 2, resumeGraceMs: 1_000 });
    const startServerPeer = () => spawn(process.execPath, [BIN, 'server-peer', '--url', hub.url], {
      env: { ...process.env, ROOMWIRE_SERVER_PEER_SECRET: SECRET, NODE_ENV: 'production' }, stdio: 'ignore',
    });
    let child = startServerPeer();
    const previous = t;
    t = hub;
    try {
      const members: Member[] = [];
      for (let i = 0; i < 3; i++) members.push(await member('restart', `r${i}`));
      await until(() => members.every((m) => peersOf(m).length === 2 && peersOf(m).every((p) => p.path === 'star')
        && serverOf(m)?.path === 'direct'), 'a star', 30_000);
      const [a, b] = [members[0]!, members[1]!];
      const sent: string[] = [];
      let n = 0;
      const pump = setInterval(() => {
        for (let i = 0; i < 4; i++) {
          const text = `s${n++}`;
          sent.push(text);
          a.room.send(text, { to: b.client.peerId });
        }
      }, 15);
      await until(() => b.inbox.length > 20, 'traffic flows through the star');
      child.kill('SIGKILL'); // no goodbye: the hub notices the socket drop, then the grace passes
      await once(child, 'exit');
      await until(() => members.every((m) => serverOf(m) === undefined), 'the server peer is gone after its grace', 20_000);
      await until(() => peersOf(a).every((p) => p.path === 'direct'), 'members fall back to P2P', 30_000);
      child = startServerPeer();
      await until(() => members.every((m) => serverOf(m)?.path === 'direct' && peersOf(m).every((p) => p.path === 'star')), 'a star again', 30_000);
      clearInterval(pump);
      const got = () => b.inbox.filter((g) => g.from === a.client.peerId).map((g) => g.data);
      await until(() => got().length >= sent.length, `all ${sent.length} messages`);
      await new Promise((r) => setTimeout(r, 200));
      expect(got()).toEqual(sent);
      const paths = new Set(b.inbox.map((g) => g.path));
      expect(paths.has('star') && paths.has('direct')).toBe(true); // (and 'relay' while the server link was down)
    } finally {
      t = previous;
      child.kill('SIGKILL');
      await hub.hub.close();
    }
  }, 120_000);
});

describe('a server peer that drops what it cannot forward', () => {
  it('members resend, and every message still arrives once and in order', async () => {
    const hub = await startHub({ serverPeerSecret: SECRET, meshLimit: 2 });
    // a server peer that keeps at most 2 records waiting per member behind a tiny DataChannel buffer:
    // most of a burst is dropped
    const peer = new ServerPeer({ url: hub.url, secret: SECRET, rooms: [], historySize: 0, name: 'server', client: { forwardBacklogRecords: 2, highWaterMarkBytes: 2_048, lowWaterMarkBytes: 512 } });
    await peer.start();
    const previous = t;
    t = hub;
    try {
      const members: Member[] = [];
      for (let i = 0; i < 3; i++) {
        const client = await connectClient(hub.url, { retransmitMs: 200, batchBytes: 512 });
        clients.push(client);
        const room = await client.join('lossy', { name: `l${i}` });
        const inbox: RoomMessage[] = [];
        room.on('message', (m) => inbox.push(m));
        members.push({ client, room, inbox });
      }
      await until(() => members.every((m) => peersOf(m).length === 2 && peersOf(m).every((p) => p.path === 'star')
        && serverOf(m)?.path === 'direct'), 'a star', 30_000);
      await exchange(members, 'burst', 200);
      expect(members[0]!.inbox.every((g) => g.path === 'star')).toBe(true);
      expect(peer.client.forwardsDropped).toBeGreaterThan(0); // the drop path really ran
    } finally {
      t = previous;
      await peer.close();
      await hub.hub.close();
    }
  }, 90_000);
});

/**
 * Ghost sessions: clients that join and drop their TCP connection without a close frame leave sessions in
 * their resume grace. They count against the limits, but yield their seats to present peers: a flood of
 * them from many addresses denies nobody a room or the hub.
 */
import { describe, expect, it } from 'vitest';
import type { HubMessage } from '../../src/protocol/index.ts';
import { startHub } from '../helpers/hub.ts';
import { until } from '../helpers/room-clients.ts';
import { TestClient } from '../helpers/test-client.ts';

/** Client addresses 127.0.0.2 ... : the whole of 127.0.0.0/8 is loopback. */
const addressOf = (i: number) => `127.0.0.${2 + (i % 20)}`;

/** Connects from `localAddress`, joins `room`, and drops the connection as a dead network would. */
async function ghost(url: string, localAddress: string, room: string): Promise<void> {
  const c = await TestClient.connect(url, { localAddress });
  await c.join(room, 'ghost');
  await c.kill();
}

describe('a ghost flood from many addresses', () => {
  it('leaves the flooded room and new rooms open to a real user, and tells members the ghosts left', async () => {
    const t = await startHub({ maxPeersPerRoom: 50, maxRooms: 100, resumeGraceMs: 60_000 });
    const member = await TestClient.connect(t.url);
    await member.join('target', 'member');

    // 50 ghosts fill the room's other 49 seats and beyond; 200 more fill every other room the hub allows.
    for (let i = 0; i < 50; i++) await ghost(t.url, addressOf(i), 'target').catch(() => {});
    const rooms = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => ghost(t.url, addressOf(i), `flood-${i}`)));
    expect(rooms.filter((r) => r.status === 'fulfilled').length).toBeGreaterThan(90);
    await until(() => t.hub.stats().connections === 1, 't.hub.stats().connections === 1');
    expect(t.hub.stats().rooms).toBe(100); // every room the hub allows is held, by ghosts

    // A real user still gets into the flooded room: the ghost that left longest ago yields its seat.
    const leftBefore = member.pending('peer-left').length;
    const user = await TestClient.connect(t.url, { localAddress: '127.0.0.99' });
    const joined = await user.join('target', 'real');
    expect(joined.peers.some((p) => p.name === 'member')).toBe(true);
    expect(joined.peers).toHaveLength(49);
    await member.take((m): m is HubMessage => m.type === 'peer-joined' && m.name === 'real', 'the real user joining');
    const left = member.pending('peer-left');
    expect(left.length).toBe(leftBefore + 1);
    expect(left.at(-1)).toMatchObject({ room: 'target', reason: 'disconnected' });

    // ... and a new room: the ghost room whose peers left longest ago closes for it.
    const other = await TestClient.connect(t.url, { localAddress: '127.0.0.98' });
    expect((await other.join('brand-new')).room).toBe('brand-new');
    expect(t.hub.stats().rooms).toBe(100);

    // They talk: the room works as before.
    member.send({ type: 'relay', to: user.peerId, data: 'welcome' });
    expect((await user.next('relay')).data).toBe('welcome');
    await Promise.all([member.close(), user.close(), other.close()]);
    await t.hub.close();
  }, 60_000);

  it('a room full of present peers stays full: only absent ones yield', async () => {
    const t = await startHub({ maxPeersPerRoom: 3, resumeGraceMs: 60_000 });
    const present = await Promise.all([0, 1].map(() => TestClient.connect(t.url)));
    for (const c of present) await c.join('r');
    await ghost(t.url, '127.0.0.2', 'r');
    const late = await TestClient.connect(t.url);
    await late.join('r'); // the ghost yields
    const refused = await TestClient.connect(t.url);
    refused.send({ type: 'join', room: 'r' });
    await refused.nextError('room-full'); // three present peers: nobody yields
    await Promise.all([...present, late, refused].map((c) => c.close()));
    await t.hub.close();
  });

  it('maxConnections counts absent sessions, and the oldest absent one yields to a new connection', async () => {
    const t = await startHub({ maxConnections: 3, resumeGraceMs: 60_000 });
    const a = await TestClient.connect(t.url);
    await a.join('r');
    await ghost(t.url, '127.0.0.2', 'r');
    await ghost(t.url, '127.0.0.3', 'r');
    await until(() => t.hub.stats().connections === 1, 't.hub.stats().connections === 1');
    expect(t.hub.stats().peers).toBe(3);
    const b = await TestClient.connect(t.url); // the first ghost yields
    expect(await a.next('peer-left')).toMatchObject({ reason: 'disconnected' });
    expect(t.hub.stats().peers).toBe(3);
    await Promise.all([a.close(), b.close()]);
    await t.hub.close();
  });
});

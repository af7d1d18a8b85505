/** Room clients in Node (ws + werift) meshing through a real hub on loopback. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoomClient } from '../../src/client/room-client.ts';
import { startHub, type TestHub } from '../helpers/hub.ts';
import { collect, connectClient, until, untilPaths } from '../helpers/room-clients.ts';

let t: TestHub;
const clients: RoomClient[] = [];
beforeAll(async () => { t = await startHub(); });
afterAll(async () => {
  for (const c of clients) c.close();
  await t.hub.close();
});

async function client(config = {}) {
  const c = await connectClient(t.url, config);
  clients.push(c);
  return c;
}

describe('two werift clients', () => {
  it('open a direct DataChannel and exchange strings and binaries from 1 B to 1 MiB', async () => {
    const [a, b] = [await client(), await client()];
    const ra = await a.join('pair', { name: 'a' });
    const rb = await b.join('pair', { name: 'b' });
    await untilPaths(ra, 1, ['direct']);
    await untilPaths(rb, 1, ['direct']);
    const atB = collect(rb);
    const atA = collect(ra);
    const sizes = [1, 100, 16 * 1024, 64 * 1024 + 3, 1024 * 1024];
    const payloads = sizes.map((n) => new Uint8Array(n).map((_, i) => (i * 7 + n) % 256));
    ra.send('hello b');
    for (const p of payloads) ra.send(p);
    rb.send('hello a', { to: a.peerId });
    await until(() => atB.length === 1 + payloads.length, 'b gets everything');
    await until(() => atA.length === 1, 'a gets the whisper');
    expect(atB[0]).toMatchObject({ from: a.peerId, data: 'hello b', path: 'direct', whisper: false });
    atB.slice(1).forEach((m, i) => expect(m.data).toEqual(payloads[i]));
    expect(atA[0]).toMatchObject({ from: b.peerId, data: 'hello a', whisper: true });
    expect(ra.peers()[0]).toMatchObject({ peerId: b.peerId, name: 'b', path: 'direct' });
  }, 60_000);
});

/** Every client sends `count` numbered strings and one binary to the room; checks exactly-once, in order. */
async function exchangeAll(rooms: import('../../src/client/room.ts').Room[], ids: string[], count: number) {
  const inboxes = rooms.map((r) => collect(r));
  rooms.forEach((room, i) => {
    for (let k = 0; k < count; k++) room.send(`${ids[i]}:${k}`);
    room.send(new Uint8Array([i, 1, 2, 3]));
  });
  const expected = (rooms.length - 1) * (count + 1);
  await until(() => inboxes.every((box) => box.length >= expected), `everyone gets ${expected} messages`, 30_000);
  await new Promise((r) => setTimeout(r, 200)); // a late duplicate would show up here
  inboxes.forEach((box, i) => {
    expect(box.length, `inbox ${i}`).toBe(expected);
    for (const [j, sender] of ids.entries()) {
      if (j === i) continue;
      const fromSender = box.filter((m) => m.from === sender).map((m) => m.data);
      expect(fromSender).toEqual([...Array.from({ length: count }, (_, k) => `${sender}:${k}`), new Uint8Array([j, 1, 2, 3])]);
    }
  });
  return inboxes;
}

describe('five werift clients', () => {
  it('form a full mesh of direct links and deliver every message once, in order', async () => {
    const cs = [];
    for (let i = 0; i < 5; i++) cs.push(await client());
    const rooms = [];
    for (const [i, c] of cs.entries()) rooms.push(await c.join('five', { name: `p${i}` }));
    for (const r of rooms) await untilPaths(r, 4, ['direct'], 30_000);
    const inboxes = await exchangeAll(rooms, cs.map((c) => c.peerId), 50);
    expect(inboxes.flat().every((m) => m.path === 'direct')).toBe(true);
  }, 90_000);
});

describe('interop', () => {
  it('a werift client and a node-datachannel (libdatachannel) client talk directly both ways', async () => {
    const { nodeDatachannelRtc } = await import('../helpers/node-datachannel-rtc.ts');
    const w = await client();
    const n = await client({ rtc: nodeDatachannelRtc });
    const rw = await w.join('interop');
    const rn = await n.join('interop');
    await untilPaths(rw, 1, ['direct']);
    await untilPaths(rn, 1, ['direct']);
    const [atW, atN] = [collect(rw), collect(rn)];
    const big = new Uint8Array(300_000).map((_, i) => i % 253);
    rw.send('from werift');
    rw.send(big);
    rn.send('from libdatachannel');
    rn.send(big);
    await until(() => atW.length === 2 && atN.length === 2, 'both get two');
    expect(atN.map((m) => m.data)).toEqual(['from werift', big]);
    expect(atW.map((m) => m.data)).toEqual(['from libdatachannel', big]);
  }, 60_000);
});

describe('concurrent joins (regression: a peer-joined read together with joined was dropped)', () => {
  it('four clients joining at once all see each other', async () => {
    const cs = await Promise.all(Array.from({ length: 4 }, () => client()));
    const rooms = await Promise.all(cs.map((c, i) => c.join('stampede', { name: `s${i}` })));
    await until(() => rooms.every((r) => r.members.size === 3), 'every client sees the three others');
    for (const r of rooms) await untilPaths(r, 3, ['direct'], 30_000);
  }, 60_000);
});

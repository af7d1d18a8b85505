import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub, type TestHub } from '../helpers/hub.ts';
import { TestClient } from '../helpers/test-client.ts';

let t: TestHub;
beforeAll(async () => { t = await startHub(); });
afterAll(async () => { await t.hub.close(); });

describe('rooms', () => {
  it('welcomes each connection with a server-assigned uuid and the limits it must respect', async () => {
    const [a, b] = await Promise.all([TestClient.connect(t.url), TestClient.connect(t.url)]);
    expect(a.peerId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.peerId).not.toBe(b.peerId);
    expect(a.welcome.protocol).toBe(1);
    expect(a.welcome.limits.maxFrameBytes).toBe(t.hub.options.maxFrameBytes);
    expect(a.welcome.resumeToken.length).toBeGreaterThan(30);
    await Promise.all([a.close(), b.close()]);
  });

  it('joins with peer lists, tells members who joined and who left', async () => {
    const ann = await TestClient.connect(t.url);
    const joinedAnn = await ann.join('lobby', 'ann');
    expect(joinedAnn).toMatchObject({ room: 'lobby', peerId: ann.peerId, peers: [], resumeToken: ann.welcome.resumeToken });
    expect(joinedAnn.iceServers).toEqual([]);

    const bob = await TestClient.connect(t.url);
    const joinedBob = await bob.join('lobby', 'bob');
    expect(joinedBob.peers).toEqual([{ peerId: ann.peerId, name: 'ann', role: 'peer' }]);
    expect(await ann.next('peer-joined')).toEqual({ type: 'peer-joined', room: 'lobby', peerId: bob.peerId, name: 'bob', role: 'peer' });

    const cy = await TestClient.connect(t.url);
    const joinedCy = await cy.join('lobby');
    expect(joinedCy.peers.map((p) => p.peerId).sort()).toEqual([ann.peerId, bob.peerId].sort());
    expect((await ann.next('peer-joined')).name).toBe('');
    await bob.next('peer-joined');

    bob.send({ type: 'leave', room: 'lobby', id: 7 });
    expect(await bob.next('left')).toEqual({ type: 'left', ref: 7, room: 'lobby' });
    for (const c of [ann, cy]) {
      expect(await c.next('peer-left')).toEqual({ type: 'peer-left', room: 'lobby', peerId: bob.peerId, reason: 'left' });
    }
    // a normal closure (1000) is a goodbye: the others are told at once, without waiting for the grace
    await cy.close();
    expect(await ann.next('peer-left')).toEqual({ type: 'peer-left', room: 'lobby', peerId: cy.peerId, reason: 'left' });
    await Promise.all([ann.close(), bob.close()]);
  });

  it('keeps one peer id across several rooms and keeps rooms apart', async () => {
    const [a, b, c] = await Promise.all([TestClient.connect(t.url), TestClient.connect(t.url), TestClient.connect(t.url)]);
    expect((await a.join('red')).peerId).toBe(a.peerId);
    expect((await a.join('blue')).peerId).toBe(a.peerId);
    await b.join('red');
    await c.join('blue');
    expect((await a.next('peer-joined')).peerId).toBe(b.peerId);
    expect((await a.next('peer-joined')).peerId).toBe(c.peerId);

    a.send({ type: 'relay', room: 'red', data: 'for red' });
    a.send({ type: 'relay', room: 'blue', data: 'for blue' });
    expect(await b.next('relay')).toEqual({ type: 'relay', from: a.peerId, room: 'red', data: 'for red' });
    expect(await c.next('relay')).toEqual({ type: 'relay', from: a.peerId, room: 'blue', data: 'for blue' });

    // b and c share no room: they cannot signal each other
    b.send({ type: 'signal', to: c.peerId, data: { sdp: 'x' } });
    await b.nextError('peer-not-found');
    // nor relay to a room they are not in
    b.send({ type: 'relay', room: 'blue', data: 'sneak' });
    await b.nextError('not-in-room');
    expect(b.pending('relay')).toEqual([]);
    expect(c.pending('relay')).toEqual([]);
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  it('validates room and peer names', async () => {
    const a = await TestClient.connect(t.url);
    const bad = ['', ' lobby', 'lob\u0000by', 'x'.repeat(65), 'a\u202eb', 7];
    for (const room of bad) {
      a.send({ type: 'join', room });
      expect((await a.nextError('bad-message')).message).toMatch(/^join: room/);
    }
    a.send({ type: 'join', room: 'ok', name: 'n'.repeat(33) });
    expect((await a.nextError('bad-message')).message).toMatch(/^join: name/);
    // Unicode names count characters, not bytes
    expect((await a.join('ré-ünion 🎉', '名前')).room).toBe('ré-ünion 🎉');
    await a.close();
  });

  it('counts rooms and peers in /healthz', async () => {
    const before = await (await fetch(`${t.httpUrl}/healthz`)).json();
    const a = await TestClient.connect(t.url);
    await a.join('health-check');
    const during = await (await fetch(`${t.httpUrl}/healthz`)).json();
    expect(during).toMatchObject({ status: 'ok', rooms: before.rooms + 1, peers: before.peers + 1, connections: before.connections + 1 });
    expect(typeof during.uptimeSeconds).toBe('number');
    await a.close();
  });
});

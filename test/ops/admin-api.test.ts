/** The admin API from outside: a real hub, real room clients, HTTP with and without the bearer token. */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { resolveHubOptions } from '../../src/hub/options.ts';
import { startHub, type TestHub } from '../helpers/hub.ts';
import { collect, connectClient, until, untilPaths } from '../helpers/room-clients.ts';
import { TestClient } from '../helpers/test-client.ts';

const TOKEN = 'admin-token-admin-token-admin-token-0123';

function api(t: TestHub, path: string, init: { method?: string; token?: string | null } = {}) {
  const token = init.token === undefined ? TOKEN : init.token;
  return fetch(`${t.httpUrl}/admin/api/${path}`, {
    method: init.method ?? 'GET',
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
}

describe('admin API', () => {
  it('answers 401 without the token or with a wrong one, 404 when it is off, and refuses a short token', async () => {
    const t = await startHub({ adminToken: TOKEN });
    expect((await api(t, 'rooms', { token: null })).status).toBe(401);
    expect((await api(t, 'rooms', { token: 'x'.repeat(40) })).status).toBe(401);
    expect((await api(t, 'drain', { method: 'POST', token: TOKEN.slice(1) })).status).toBe(401);
    expect((await api(t, 'rooms')).status).toBe(200);
    expect((await api(t, 'rooms', { method: 'DELETE' })).status).toBe(405);
    expect((await api(t, 'nothing-here')).status).toBe(404);
    const off = await startHub();
    expect((await api(off, 'rooms')).status).toBe(404);
    expect(() => resolveHubOptions({ adminToken: 'short' })).toThrow(/adminToken must be at least 32 bytes/);
    await Promise.all([t.hub.close(), off.hub.close()]);
  });

  it('lists rooms with members, their state and their links by path', async () => {
    const t = await startHub({ adminToken: TOKEN, nodeId: 'hub-1', resumeGraceMs: 30_000 });
    const a = await connectClient(t.url, { p2p: false });
    const b = await connectClient(t.url, { p2p: false });
    const ra = await a.join('lobby', { name: 'ann' });
    await b.join('lobby', { name: 'bob' });
    await untilPaths(ra, 1, ['relay']);
    const ghost = await TestClient.connect(t.url);
    await ghost.join('lobby', 'gus');
    await ghost.kill();
    await until(() => t.hub.stats().connections === 2, 'the ghost gone');
    // both clients report their link
    let view: { room: string; topology: string; members: { peerId: string; name: string; role: string; node: string; state: string; links: Record<string, string> }[] } | undefined;
    for (let i = 0; i < 100; i++) {
      view = await (await api(t, 'rooms/lobby')).json();
      if (view!.members.filter((m) => Object.keys(m.links).length > 0).length === 2) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(view!.room).toBe('lobby');
    expect(view!.topology).toBe('mesh');
    const byName = Object.fromEntries(view!.members.map((m) => [m.name, m]));
    expect(byName.ann).toMatchObject({ peerId: a.peerId, role: 'peer', node: 'hub-1', state: 'connected', links: { [b.peerId]: 'relay' } });
    expect(byName.bob).toMatchObject({ state: 'connected', links: { [a.peerId]: 'relay' } });
    expect(byName.gus).toMatchObject({ state: 'grace' });
    const all = await (await api(t, 'rooms')).json();
    expect(all.node).toBe('hub-1');
    expect(all.rooms.map((r: { room: string }) => r.room)).toEqual(['lobby']);
    expect((await api(t, 'rooms/nowhere')).status).toBe(404);
    const stats = await (await api(t, 'stats')).json();
    expect(stats).toMatchObject({ node: 'hub-1', connections: 2, rooms: 1, absent: 1, draining: false, links: { relay: 3 } }); // ann-bob, and each to the absent gus
    expect(Array.isArray(stats.history)).toBe(true);
    await Promise.all([a.close(), b.close()]);
    await t.hub.close();
  });

  it('kicks a peer: the others see reason kicked, and the kicked client gets 4003 and does not come back', async () => {
    const t = await startHub({ adminToken: TOKEN });
    const victim = await connectClient(t.url, { p2p: false });
    const other = await connectClient(t.url, { p2p: false });
    await victim.join('k', { name: 'v' });
    const room = await other.join('k', { name: 'o' });
    const left = new Promise((resolve) => room.on('peer-left', resolve));
    const ended = new Promise((resolve) => victim.on('ended', resolve));
    const res = await api(t, `rooms/k/peers/${victim.peerId}/kick`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await left).toMatchObject({ peerId: victim.peerId, reason: 'kicked' });
    expect(await ended).toMatchObject({ code: 4003 });
    await new Promise((r) => setTimeout(r, 1_000)); // past its first reconnect delays
    expect(victim.signalingState).toBe('closed');
    expect(t.hub.stats().connections).toBe(1);
    expect((await api(t, `rooms/k/peers/${victim.peerId}/kick`, { method: 'POST' })).status).toBe(404);
    await Promise.all([victim.close(), other.close()]);
    await t.hub.close();
  });

  it('closes a room: every member is taken out with reason room-closed, and stays connected', async () => {
    const t = await startHub({ adminToken: TOKEN });
    const a = await connectClient(t.url, { p2p: false });
    const raw = await TestClient.connect(t.url);
    const ra = await a.join('doomed', { name: 'a' });
    await raw.join('doomed', 'raw');
    const closed = new Promise((resolve) => ra.on('closed', resolve));
    const res = await api(t, 'rooms/doomed/close', { method: 'POST' });
    expect(await res.json()).toEqual({ closed: 'doomed', removed: 2 });
    expect(await closed).toEqual({ reason: 'room-closed' });
    expect(await raw.next('left')).toEqual({ type: 'left', room: 'doomed', reason: 'room-closed' });
    expect(t.hub.stats().rooms).toBe(0);
    expect(t.hub.stats().connections).toBe(2);
    // the client can join again
    expect((await a.join('doomed')).name).toBe('doomed');
    expect((await api(t, 'rooms/nowhere/close', { method: 'POST' })).status).toBe(404);
    await Promise.all([a.close(), raw.close()]);
    await t.hub.close();
  });
});

describe('drain', () => {
  it('turns readyz and upgrades to 503, asks clients to move, and loses nothing between peers meanwhile', async () => {
    const t = await startHub({ adminToken: TOKEN, drainTimeoutMs: 10_000 });
    const a = await connectClient(t.url);
    const b = await connectClient(t.url);
    const ra = await a.join('d', { name: 'a' });
    const rb = await b.join('d', { name: 'b' });
    await untilPaths(ra, 1, ['direct']);
    await untilPaths(rb, 1, ['direct']);
    const got = collect(rb);
    let sent = 0;
    const sender = setInterval(() => ra.send(`m${sent++}`), 5);

    await new Promise((r) => setTimeout(r, 100));
    expect((await api(t, 'drain', { method: 'POST' })).status).toBe(202);
    await t.hub.drained; // both clients have gone
    expect(t.hub.stats().connections).toBe(0);
    const ready = await fetch(`${t.httpUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'not-ready', reason: 'draining' });
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(t.url);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => {});
    });
    expect(refused).toBe(503);
    expect(a.signalingState).toBe('reconnecting');

    // The DataChannel carries on without the hub: every message arrives once, in order.
    await new Promise((r) => setTimeout(r, 300));
    clearInterval(sender);
    await until(() => got.length === sent, `all ${sent} messages`);
    expect(got.map((m) => m.data)).toEqual([...Array(sent).keys()].map((i) => `m${i}`));
    await Promise.all([a.close(), b.close()]);
    await t.hub.close();
  }, 30_000);
});

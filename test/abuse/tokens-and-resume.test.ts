/**
 * Credentials a hostile client might abuse: TURN credentials, join tokens, resume tokens, and the
 * server-peer secret's limits.
 */
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../../src/bus/memory-bus.ts';
import { createJoinToken } from '../../src/hub/join-token.ts';
import { resolveHubOptions } from '../../src/hub/options.ts';
import { connectClient, until } from '../helpers/room-clients.ts';
import { startHub } from '../helpers/hub.ts';
import { TestClient } from '../helpers/test-client.ts';

const SECRET = 'a-join-token-secret-of-at-least-32-bytes';
const key = new TextEncoder().encode(SECRET);

describe('TURN credentials', () => {
  it('refresh-ice outside a room is refused with not-in-room; inside one it answers', async () => {
    const t = await startHub({ turnSecret: 'turn-secret', turnUrls: ['turn:127.0.0.1:3478'] });
    const c = await TestClient.connect(t.url);
    c.send({ type: 'refresh-ice', id: 1 });
    expect(await c.nextError('not-in-room')).toMatchObject({ ref: 1 });
    await c.join('r');
    c.send({ type: 'refresh-ice', id: 2 });
    const answer = await c.next('ice-servers');
    expect(answer.iceServers.some((s) => s.username !== undefined)).toBe(true);
    await c.close();
    await t.hub.close();
  });
});

describe('join tokens', () => {
  it('refuses a token without exp, and one with a wrong aud or iss when the hub checks them', async () => {
    const t = await startHub({ authSecret: SECRET, authAudience: 'roomwire', authIssuer: 'https://auth.example' });
    const c = await TestClient.connect(t.url);
    const sign = (claims: Record<string, unknown>, exp = true) => {
      let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' });
      if (exp) jwt = jwt.setExpirationTime('1h');
      return jwt.sign(key);
    };
    const good = { room: 'vip', aud: 'roomwire', iss: 'https://auth.example' };
    for (const token of [
      await sign(good, false), // no exp
      await sign({ ...good, aud: 'someone-else' }),
      await sign({ room: 'vip', aud: 'roomwire' }), // no iss
      await sign({ ...good, name: 'bad\u0000name' }),
      await sign({ ...good, name: 'x'.repeat(200) }),
    ]) {
      c.send({ type: 'join', room: 'vip', token });
      await c.nextError('unauthorized');
    }
    const joined = await c.join('vip', 'ignored', { token: await sign({ ...good, name: 'Vera' }) });
    expect(joined.room).toBe('vip');
    // what `roomwire token` and createJoinToken issue is accepted
    const d = await TestClient.connect(t.url);
    await d.join('vip', 'x', { token: await createJoinToken(SECRET, { room: 'vip', ttlSeconds: 60, audience: 'roomwire', issuer: 'https://auth.example' }) });
    await Promise.all([c.close(), d.close()]);
    await t.hub.close();
  });

  it('refuses to start with an auth secret shorter than 32 bytes', () => {
    expect(() => resolveHubOptions({ authSecret: 'short-secret' })).toThrow(/authSecret must be at least 32 bytes/);
  });
});

describe('resume tokens', () => {
  it('rotate on every resume: the old token no longer works', async () => {
    const t = await startHub();
    const a = await TestClient.connect(t.url);
    await a.join('r');
    await a.kill();
    const first = await TestClient.resume(t.url, a);
    expect(first.answer.type).toBe('resumed');
    const rotated = (first.answer as { resumeToken: string }).resumeToken;
    expect(rotated).not.toBe(a.welcome.resumeToken);
    await first.client.kill();
    const replay = await TestClient.connect(t.url);
    replay.send({ type: 'resume', token: a.welcome.resumeToken, received: 0 });
    await replay.nextError('resume-failed');
    const second = await TestClient.resume(t.url, first.client);
    expect(second.answer.type).toBe('resumed');
    await Promise.all([replay.close(), second.client.close()]);
    await t.hub.close();
  });

  it('a superseded connection handles nothing more, even frames it has already read', async () => {
    // A bus whose join takes a while: the old connection reads frames meanwhile and holds them in its backlog.
    class SlowBus extends MemoryBus {
      override async join(...args: Parameters<MemoryBus['join']>) {
        if (args[0] === 'slow') await new Promise((r) => setTimeout(r, 300));
        return super.join(...args);
      }
    }
    const t = await startHub({}, { bus: new SlowBus({ maxPeersPerRoom: 50, maxRooms: 100 }) });
    const [victim, other] = [await TestClient.connect(t.url), await TestClient.connect(t.url)];
    await victim.join('r');
    await other.join('r');
    victim.send({ type: 'join', room: 'slow' });
    for (let i = 0; i < 20; i++) victim.send({ type: 'relay', to: other.peerId, data: { n: i } });
    await new Promise((r) => setTimeout(r, 50)); // the relays are read, and wait behind the join
    const { client: thief, answer } = await TestClient.resume(t.url, victim);
    expect(answer.type).toBe('resumed');
    expect((await victim.closed).code).toBe(4001);
    await new Promise((r) => setTimeout(r, 400)); // the slow join is over
    thief.send({ type: 'relay', to: other.peerId, data: 'from the new connection' });
    await other.take((m): m is never => m.type === 'relay' && m.data === 'from the new connection', 'the new connection\'s relay');
    expect(other.pending('relay')).toEqual([]); // none of the old connection's backlog went out
    await Promise.all([thief.close(), other.close()]);
    await t.hub.close();
  });

  it('a room client closed with 4001 does not reconnect by itself', async () => {
    const t = await startHub();
    const client = await connectClient(t.url, { p2p: false });
    await client.join('r');
    const token = (client as unknown as { signaling: { welcome: { resumeToken: string } } }).signaling.welcome.resumeToken;
    const thief = await TestClient.connect(t.url);
    thief.send({ type: 'resume', token, received: 0 });
    await thief.next('resumed');
    await until(() => client.signalingState === 'closed', 'the room client closed');
    await new Promise((r) => setTimeout(r, 1_500)); // longer than its first reconnect delays
    expect(client.signalingState).toBe('closed');
    expect(t.hub.stats().connections).toBe(1);
    await client.close();
    await thief.close();
    await t.hub.close();
  });
});

describe('server peer limits', () => {
  it('a connection with the server-peer secret is held to its own limits, not a peer\'s', async () => {
    const t = await startHub({ serverPeerSecret: 'sp-secret-xxxxxxxxxxxxxxxxxxxxxxx', maxRoomsPerConnection: 2, messagesPerSecond: 10, messageBurst: 10 });
    const sp = await TestClient.connect(t.url);
    sp.send({ type: 'watch-rooms', token: 'sp-secret-xxxxxxxxxxxxxxxxxxxxxxx' });
    const watching = await sp.next('watching');
    expect(watching.limits.maxRoomsPerConnection).toBe(t.hub.options.serverPeerMaxRooms);
    for (let i = 0; i < 40; i++) await sp.join(`room-${i}`, 'server', { token: 'sp-secret-xxxxxxxxxxxxxxxxxxxxxxx', role: 'server' });
    for (let i = 0; i < 100; i++) sp.send({ type: 'relay', room: 'room-0', data: i });
    sp.send({ type: 'leave', room: 'room-1', id: 'done' });
    await sp.next('left');
    expect(sp.pending('error')).toEqual([]);
    // an ordinary peer is still held to its own
    const peer = await TestClient.connect(t.url);
    await peer.join('a');
    await peer.join('b');
    peer.send({ type: 'join', room: 'c' });
    await peer.nextError('too-many-rooms');
    await Promise.all([sp.close(), peer.close()]);
    await t.hub.close();
  });
});

/** Every limit is reached from outside and answered with its code; the hub and other peers carry on. */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MemoryBus } from '../../src/bus/memory-bus.ts';
import { startHub } from '../helpers/hub.ts';
import { TestClient, connectMany } from '../helpers/test-client.ts';

describe('membership limits', () => {
  it('room-full, too-many-rooms, hub-full, already-in-room, not-in-room', async () => {
    const t = await startHub({ maxPeersPerRoom: 2, maxRoomsPerConnection: 2, maxRooms: 3 });
    const [a, b, c] = await connectMany(t.url, 3);
    await a.join('one');
    await b.join('one');
    c.send({ type: 'join', room: 'one', id: 1 });
    expect(await c.nextError('room-full')).toMatchObject({ ref: 1 });

    a.send({ type: 'join', room: 'one' });
    await a.nextError('already-in-room');

    await a.join('two');
    a.send({ type: 'join', room: 'three' });
    await a.nextError('too-many-rooms');

    await c.join('three');
    const d = await TestClient.connect(t.url);
    d.send({ type: 'join', room: 'four' });
    await d.nextError('hub-full');
    // an existing room can still be joined, and a room that empties frees its place
    await d.join('three');
    await b.close();
    a.send({ type: 'leave', room: 'two' });
    await a.next('left');
    await d.join('four');

    d.send({ type: 'leave', room: 'never-joined' });
    await d.nextError('not-in-room');
    await Promise.all([a.close(), c.close(), d.close()]);
    await t.hub.close();
  });
});

describe('rate limit', () => {
  it('drops what exceeds the token bucket with rate-limited, and spares other connections', async () => {
    const t = await startHub({ messagesPerSecond: 1, messageBurst: 4 });
    const [a, b] = await connectMany(t.url, 2);
    await a.join('rl'); // spends one token: three are left
    await b.join('rl');
    for (let i = 0; i < 10; i++) a.send({ type: 'relay', to: b.peerId, data: i });
    for (let i = 0; i < 3; i++) expect((await b.next('relay')).data).toBe(i);
    await a.nextError('rate-limited');
    b.send({ type: 'relay', to: a.peerId, data: 'b is not limited by a' });
    expect((await a.next('relay')).data).toBe('b is not limited by a');
    await Promise.all([a.close(), b.close()]);
    await t.hub.close();
  });
});

describe('join tokens', () => {
  it('refuses joins without a valid token for the room when the hub has an auth secret', async () => {
    const { createJoinToken } = await import('../../src/hub/join-token.ts');
    const secret = 'test-secret-0123456789-0123456789-0123456789';
    const t = await startHub({ authSecret: secret });
    const c = await TestClient.connect(t.url);
    const attempts = [
      undefined,
      'not-a-jwt',
      await createJoinToken(secret, { room: 'other', ttlSeconds: 60 }),
      await createJoinToken('another-secret', { room: 'vip', ttlSeconds: 60 }),
      await createJoinToken(secret, { room: 'vip', ttlSeconds: -10 }),
    ];
    for (const token of attempts) {
      c.send({ type: 'join', room: 'vip', ...(token === undefined ? {} : { token }) });
      await c.nextError('unauthorized');
    }
    const ok = await c.join('vip', 'ignored', { token: await createJoinToken(secret, { room: 'vip', name: 'Vera', ttlSeconds: 60 }) });
    expect(ok.room).toBe('vip');
    const other = await TestClient.connect(t.url);
    const joined = await other.join('vip', 'x', { token: await createJoinToken(secret, { room: '*', ttlSeconds: 60 }) });
    expect(joined.peers).toEqual([{ peerId: c.peerId, name: 'Vera', role: 'peer' }]);
    await Promise.all([c.close(), other.close()]);
    await t.hub.close();
  });
});

describe('a failing bus', () => {
  it('answers internal-error and keeps serving', async () => {
    class FlakyBus extends MemoryBus {
      override async join(...args: Parameters<MemoryBus['join']>) {
        if (args[0] === 'cursed') throw new Error('store unavailable');
        return super.join(...args);
      }
    }
    const t = await startHub({}, { bus: new FlakyBus({ maxPeersPerRoom: 50, maxRooms: 100 }) });
    const c = await TestClient.connect(t.url);
    c.send({ type: 'join', room: 'cursed', id: 'j' });
    expect(await c.nextError('internal-error')).toMatchObject({ ref: 'j' });
    expect((await c.join('fine')).room).toBe('fine');
    await c.close();
    await t.hub.close();
  });
});

describe('socket-level limits', () => {
  it('closes a frame above hardMaxFrameBytes with 1009 and nobody else notices', async () => {
    const t = await startHub({ maxFrameBytes: 1_000, hardMaxFrameBytes: 4_000, resumeGraceMs: 0 });
    const [big, x, y] = await connectMany(t.url, 3);
    for (const c of [big, x, y]) await c.join('r');
    big.sendRaw('z'.repeat(2_000));
    await big.nextError('payload-too-large');
    big.sendRaw('z'.repeat(5_000));
    expect((await big.closed).code).toBe(1009);
    expect(await x.next('peer-left')).toMatchObject({ peerId: big.peerId, reason: 'disconnected' });
    x.send({ type: 'relay', to: y.peerId, data: 'still here' });
    expect((await y.next('relay')).data).toBe('still here');
    await Promise.all([x.close(), y.close()]);
    await t.hub.close();
  }, 30_000);

  it('cuts off a reader that falls more than maxBufferedBytes behind with 4008', async () => {
    // The byte budget lifted: this test is about the reader, not the sender.
    const t = await startHub({ maxBufferedBytes: 256 * 1024, resumeGraceMs: 0, bytesPerSecond: 64 * 1024 * 1024, byteBurst: 64 * 1024 * 1024 });
    const [fast, slow] = await connectMany(t.url, 2);
    await fast.join('flood');
    await slow.join('flood');
    slow.ws.pause(); // stops reading: the kernel buffers fill, then the hub's
    const chunk = 'c'.repeat(60_000);
    for (let i = 0; i < 390; i++) fast.send({ type: 'relay', to: slow.peerId, data: chunk });
    expect(await fast.next('peer-left')).toMatchObject({ peerId: slow.peerId, reason: 'disconnected' });
    slow.ws.resume();
    expect((await slow.closed).code).toBe(4008);
    await fast.close();
    await t.hub.close();
  }, 30_000);

  it('does not cut off a reader that keeps up when a burst brings it more than maxBufferedBytes at once', async () => {
    // The hub holds frames back to write them together (send-frame.ts); what it holds back is its own, not
    // the reader's delay. 4 MiB sent at once reaches the hub in many reads of one round of the event loop.
    const t = await startHub({ maxBufferedBytes: 128 * 1024, bytesPerSecond: 64 * 1024 * 1024, byteBurst: 64 * 1024 * 1024 });
    const [fast, reader] = await connectMany(t.url, 2);
    await fast.join('burst');
    await reader.join('burst');
    const chunk = 'c'.repeat(60_000);
    const count = 70;
    for (let i = 0; i < count; i++) fast.send({ type: 'relay', to: reader.peerId, data: chunk });
    for (let i = 0; i < count; i++) await reader.next('relay');
    expect(reader.ws.readyState).toBe(WebSocket.OPEN);
    await Promise.all([fast.close(), reader.close()]);
    await t.hub.close();
  }, 30_000);

  it('answers upgrades beyond maxConnections with HTTP 503, and other paths with 404', async () => {
    const t = await startHub({ maxConnections: 2 });
    const clients = await connectMany(t.url, 2);
    const status = (url: string) => new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => reject(new Error('upgrade should have been refused')));
      ws.on('error', () => {});
    });
    expect(await status(t.url)).toBe(503);
    expect(await status(t.url.replace('/ws', '/nope'))).toBe(404);
    await clients[0]!.close();
    await new Promise((r) => setTimeout(r, 50));
    const again = await TestClient.connect(t.url);
    await Promise.all([again.close(), clients[1]!.close()]);
    await t.hub.close();
  });
});

/**
 * No ghost stays in a room for good (two in-process hubs on one real Redis):
 * - a membership whose leave never reached Redis is taken out when Redis answers again;
 * - a session taken over for a client that went away meanwhile waits in its grace, then ends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer, startHubPairOnRedis } from '../helpers/redis-server.ts';
import type { TestHub } from '../helpers/hub.ts';
import WebSocket from 'ws';
import { until } from '../helpers/room-clients.ts';
import { TestClient } from '../helpers/test-client.ts';

let redis: RedisServer;
let a: TestHub;
let b: TestHub;

let pair: Awaited<ReturnType<typeof startHubPairOnRedis>> | undefined;

beforeAll(async () => {
  pair = await startHubPairOnRedis({ serverPeer: false, hubTtlMs: 1_000, redisCommandTimeoutMs: 300, resumeGraceMs: 1_000 });
  ({ redis, a, b } = pair);
}, 30_000);

afterAll(async () => {
  await pair?.stop();
});

const redisHealth = async (hub: TestHub) => ((await (await fetch(`${hub.httpUrl}/healthz`)).json()) as { redis: string }).redis;

describe('a leave that Redis did not get', () => {
  it('is written back when Redis answers again: the room mates see the departure, Redis drops the member', async () => {
    const p = await TestClient.connect(a.url);
    await p.join('ghost', 'p');
    const q = await TestClient.connect(b.url);
    await q.join('ghost', 'q');
    await p.next('peer-joined');

    redis.pause();
    try {
      await until(async () => (await redisHealth(a)) === 'down', 'hub a to see redis down');
      p.send({ type: 'leave', room: 'ghost' });
      await p.nextError('internal-error');
    } finally {
      redis.resume();
    }
    await until(async () => (await redisHealth(a)) === 'up' && (await redisHealth(b)) === 'up', 'both hubs to see redis up');
    expect(await q.next('peer-left', 10_000)).toMatchObject({ peerId: p.peerId });
    const probe = redis.client();
    expect(await probe.hexists('rw:room:ghost', p.peerId)).toBe(0);
    expect(await probe.hget('rw:room:ghost', '#n')).toBe('1');
    await Promise.all([p.close(), q.close()]);
  }, 30_000);
});

describe('a client that goes away while another hub takes its session over', () => {
  it('leaves a session in its grace, which ends: its room mates see it leave', async () => {
    const p = await TestClient.connect(a.url);
    await p.join('zombie', 'p');
    const q = await TestClient.connect(a.url);
    await q.join('zombie', 'q');
    await p.next('peer-joined');
    await p.kill();
    // resume on hub b, and drop the socket as soon as the resume is written: hub b is still claiming
    const ws = new WebSocket(b.url);
    await new Promise((resolve) => ws.once('message', resolve)); // welcome
    const closed = new Promise((resolve) => ws.once('close', resolve));
    ws.send(JSON.stringify({ type: 'resume', token: p.welcome.resumeToken, received: p.received }), () => ws.terminate());
    await closed;
    expect(await q.next('peer-left', 8_000)).toMatchObject({ peerId: p.peerId, reason: 'disconnected' });
    const probe = redis.client();
    await until(async () => (await probe.hexists('rw:room:zombie', p.peerId)) === 0, 'the member out of the room in Redis');
    await q.close();
  }, 30_000);
});

describe('a hub whose subscriber connection Redis dropped', () => {
  it('reads its room copies again once it is back: a member that joined meanwhile is reachable', async () => {
    const p = await TestClient.connect(a.url);
    await p.join('deaf', 'p');
    const r = await TestClient.connect(b.url);
    await r.join('deaf', 'r'); // hub b follows the room already: its next join publishes at once
    const q = await TestClient.connect(b.url);
    await q.join('deaf-elsewhere', 'q'); // hub b follows q's channel already: its join waits for no subscription
    const probe = redis.client();
    // what Redis does to a subscriber over client-output-buffer-limit pubsub: hub a's, which reconnects
    const { hubId } = (await (await fetch(`${a.httpUrl}/healthz`)).json()) as { hubId: string };
    const line = ((await probe.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string).split('\n').find((l) => l.includes(`name=roomwire-hub-${hubId}-sub`));
    expect(line).toBeDefined();
    await probe.call('CLIENT', 'KILL', 'ID', /\bid=(\d+)/.exec(line!)![1]!);
    await q.join('deaf', 'q'); // its event does not reach hub a: its subscriber connection is away
    await until(async () => (await redisHealth(a)) === 'up', 'hub a up again');
    p.send({ type: 'signal', to: q.peerId, data: 'hello' });
    expect(await q.next('signal')).toMatchObject({ from: p.peerId, data: 'hello' });
    await Promise.all([p.close(), q.close(), r.close()]);
  }, 30_000);
});

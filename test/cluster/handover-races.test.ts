/**
 * Two in-process hubs on one real Redis: the races of a session moving from one hub to the other, and
 * what a session leaves in Redis when it ends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer, startHubPairOnRedis } from '../helpers/redis-server.ts';
import type { TestHub } from '../helpers/hub.ts';
import { until } from '../helpers/room-clients.ts';
import { TestClient } from '../helpers/test-client.ts';

let redis: RedisServer;
let a: TestHub;
let b: TestHub;

let pair: Awaited<ReturnType<typeof startHubPairOnRedis>> | undefined;

beforeAll(async () => {
  pair = await startHubPairOnRedis({
    serverPeer: false, resumeGraceMs: 10_000,
    messagesPerSecond: 100_000, messageBurst: 100_000, resumeBufferMaxMessages: 100_000,
  });
  ({ redis, a, b } = pair);
}, 30_000);

afterAll(async () => {
  await pair?.stop();
});

describe('a session taken over by the hub its sender is on', () => {
  it('gets the sender\'s whispers and broadcasts once and in order across the switch to direct delivery', async () => {
    for (let round = 0; round < 8; round++) {
      const room = `order-${round}`;
      const p = await TestClient.connect(a.url);
      await p.join(room, 'p');
      const s = await TestClient.connect(b.url);
      await s.join(room, 's');
      await p.next('peer-joined');
      await p.kill();
      let sent = 0;
      let stop = false;
      // a steady stream from s (on hub b) to p, while p's session moves from hub a to hub b
      const pump = (async () => {
        while (!stop) {
          // whispers and room broadcasts, interleaved: one order from s to p
          for (let k = 0; k < 20; k++) s.send(k % 2 === 0 ? { type: 'relay', room, to: p.peerId, data: sent++ } : { type: 'relay', room, data: sent++ });
          await new Promise((r) => setImmediate(r));
        }
      })();
      await new Promise((r) => setTimeout(r, 20));
      const { client, answer } = await TestClient.resume(b.url, p);
      expect(answer.type, JSON.stringify(answer)).toBe('resumed');
      await new Promise((r) => setTimeout(r, 50));
      stop = true;
      await pump;
      const total = sent;
      const got = () => client.log.filter((m) => m.type === 'relay').map((m) => (m as { data: number }).data);
      await until(() => got().length >= total || got().at(-1) === total - 1, `${total} frames`);
      await new Promise((r) => setTimeout(r, 100)); // a late duplicate would land by now
      expect(got(), `round ${round}`).toEqual(Array.from({ length: total }, (_, i) => i));
      await Promise.all([client.close(), s.close()]);
    }
  }, 60_000);
});

describe('what an ended session leaves in Redis', () => {
  it('nothing, also when it left its rooms before its socket went', async () => {
    const probe = redis.client();
    const c = await TestClient.connect(a.url);
    await c.join('leave-first');
    expect(await probe.exists(`rw:session:${c.peerId}`)).toBe(1);
    c.send({ type: 'leave', room: 'leave-first' });
    await c.next('left');
    await c.close();
    await until(async () => (await probe.exists(`rw:session:${c.peerId}`)) === 0, 'the session record removed');
    const hubSessions = await probe.keys('rw:hub:*:sessions');
    for (const key of hubSessions) expect(await probe.sismember(key, c.peerId)).toBe(0);
  });
});

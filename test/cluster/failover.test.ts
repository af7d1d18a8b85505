/**
 * A hub dies (SIGKILL) behind a real HAProxy while a room streams numbered messages over the hub relay
 * (P2P off, so every message crosses the hubs). Its clients come back through the same URL, resume on
 * another hub with their peer ids, nobody sees them leave, and every message arrives exactly once, in order:
 * what the dead hub held is resent by the room clients' links.
 *
 * Then a hub dies while its client stays away: the survivors end that session within the bound
 * docs/operations.md states (hubTtlMs + hubTtlMs/5 + resumeGraceMs, plus a sweep).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room } from '../../src/client/room.ts';
import type { RoomClient } from '../../src/client/room-client.ts';
import { HubCluster } from '../helpers/hub-cluster.ts';
import type { HubProcess } from '../helpers/hub-process.ts';
import { collect, connectClient, until, untilPaths } from '../helpers/room-clients.ts';
import { TestClient } from '../helpers/test-client.ts';

const RESUME_GRACE_MS = 4_000;
const HUB_TTL_MS = 2_000;

let cluster: HubCluster;
const clients: RoomClient[] = [];
/** The hub the first test kills. */
let victim: HubProcess | undefined;

beforeAll(async () => {
  cluster = await HubCluster.start({
    hubs: 3,
    loadBalancer: true,
    hubArgs: [
      '--no-server-peer', '--resume-grace-ms', String(RESUME_GRACE_MS), '--hub-ttl-ms', String(HUB_TTL_MS),
      '--messages-per-second', '2000', '--message-burst', '4000',
    ],
  });
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.close();
});

/** The hub process holding a peer's session, read from Redis and each hub's /healthz. */
async function hubOf(peerId: string): Promise<HubProcess> {
  const hubId = await cluster.redis.client().hget(`rw:session:${peerId}`, 'hub');
  for (const hub of cluster.hubs) {
    if (hub === victim) continue;
    const health = await (await fetch(`${hub.httpUrl}/healthz`)).json() as { hubId?: string };
    if (health.hubId === hubId) return hub;
  }
  throw new Error(`no live hub holds ${peerId} (${hubId})`);
}

const numbered = (from: string, n: number) => Array.from({ length: n }, (_, k) => `${from}:${k}`);

describe('a hub killed while a room streams', () => {
  it('its clients resume on other hubs through the load balancer: same ids, no peer-left, every message once and in order', async () => {
    for (let i = 0; i < 3; i++) clients.push(await connectClient(cluster.url, { p2p: false, reconnectMinMs: 100, reconnectMaxMs: 500 }));
    const rooms: Room[] = [];
    for (const c of clients) rooms.push(await c.join('stream'));
    for (const room of rooms) await untilPaths(room, 2, ['relay']);
    const ids = clients.map((c) => c.peerId);
    const holders = await Promise.all(ids.map(hubOf));
    expect(new Set(holders.map((h) => h.port)).size, 'round robin spread the clients').toBeGreaterThan(1);
    const boxes = rooms.map(collect);
    const left: string[] = [];
    for (const room of rooms) room.on('peer-left', (p) => left.push(p.peerId));

    const TOTAL = 300;
    let sent = 0;
    const pump = setInterval(() => {
      for (let k = 0; k < 5 && sent < TOTAL; k++, sent++) rooms.forEach((room, i) => room.send(`${ids[i]}:${sent}`));
    }, 10);
    await until(() => sent >= 100, 'a third sent');
    victim = holders[0]!;
    await victim.kill('SIGKILL');
    await until(() => sent >= TOTAL, 'all sent', 30_000);
    clearInterval(pump);

    await until(() => boxes.every((b) => b.length >= 2 * TOTAL), `everyone gets ${2 * TOTAL}`, 45_000);
    await new Promise((r) => setTimeout(r, 500));
    boxes.forEach((box, i) => {
      expect(box.length, `client ${i}`).toBe(2 * TOTAL);
      for (const [j, id] of ids.entries()) if (j !== i) expect(box.filter((m) => m.from === id).map((m) => m.data)).toEqual(numbered(id, TOTAL));
    });
    expect(clients.map((c) => c.peerId)).toEqual(ids);
    expect(left).toEqual([]);
    // the victim's clients now live on the survivors
    for (const id of ids) expect((await hubOf(id)).port).not.toBe(victim.port);
  }, 120_000);
});

describe('a hub killed while its client stays away', () => {
  it('the survivors take the client out of its room within the stated bound', async () => {
    const live = cluster.hubs.filter((h) => h !== victim);
    const [stayer, goner] = [await TestClient.connect(live[0]!.url), await TestClient.connect(live[1]!.url)];
    await stayer.join('cleanup');
    await goner.join('cleanup');
    await stayer.next('peer-joined');
    goner.ws.pause(); // it will never come back: its socket dies with its hub
    const killedAt = Date.now();
    await live[1]!.kill('SIGKILL');
    const left = await stayer.next('peer-left', HUB_TTL_MS + RESUME_GRACE_MS + 10_000);
    const tookMs = Date.now() - killedAt;
    expect(left).toMatchObject({ peerId: goner.peerId, reason: 'disconnected' });
    // Stated bound: hubTtlMs + a renewal period + resumeGraceMs + a sweep (issue 11: at most 15 s beyond the
    // grace). Not a performance figure: a liveness guarantee, checked with the issue's own margin.
    console.log(`dead hub's session ended ${tookMs} ms after the kill (grace ${RESUME_GRACE_MS} ms, hub TTL ${HUB_TTL_MS} ms)`);
    expect(tookMs).toBeLessThan(RESUME_GRACE_MS + 15_000);
    expect(tookMs).toBeGreaterThanOrEqual(RESUME_GRACE_MS);
    // its seat and its session are gone from Redis
    const redis = cluster.redis.client();
    expect(await redis.hexists('rw:room:cleanup', goner.peerId)).toBe(0);
    expect(await redis.exists(`rw:session:${goner.peerId}`)).toBe(0);
    await stayer.close();
  }, 60_000);
});

/**
 * Redis in trouble while a room spread over three hubs streams numbered messages over the hub relay:
 * - frozen (SIGSTOP, then SIGCONT): the hubs stay up, say so on /healthz and /readyz, refuse upgrades with
 *   503 and what needs Redis with internal-error, and carry on when it answers again;
 * - restarted empty: the hubs reconnect and write back every live room from their own sessions.
 * Either way nobody sees anybody leave, and every message arrives exactly once, in order.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Room } from '../../src/client/room.ts';
import type { RoomClient } from '../../src/client/room-client.ts';
import { HubCluster } from '../helpers/hub-cluster.ts';
import { collect, connectClient, until, untilPaths } from '../helpers/room-clients.ts';
import { TestClient } from '../helpers/test-client.ts';

const COMMAND_TIMEOUT_MS = 800;

let cluster: HubCluster;
let clients: RoomClient[] = [];

beforeAll(async () => {
  cluster = await HubCluster.start({
    hubs: 3,
    hubArgs: [
      '--no-server-peer', '--redis-command-timeout-ms', String(COMMAND_TIMEOUT_MS), '--hub-ttl-ms', '2000',
      '--messages-per-second', '2000', '--message-burst', '4000',
    ],
  });
}, 60_000);

afterEach(() => {
  for (const c of clients) c.close();
  clients = [];
});

afterAll(async () => {
  await cluster?.close();
});

const numbered = (from: string, n: number) => Array.from({ length: n }, (_, k) => `${from}:${k}`);

type Health = { status: string; redis?: string };
const health = async (i: number): Promise<Health> => (await fetch(`${cluster.hubs[i]!.httpUrl}/healthz`)).json() as Promise<Health>;
const readyStatus = async (i: number): Promise<number> => (await fetch(`${cluster.hubs[i]!.httpUrl}/readyz`)).status;

/** One room client on each hub, relaying (P2P off) so that every message crosses hubs through Redis. */
async function roomOnEveryHub(name: string): Promise<{ rooms: Room[]; ids: string[] }> {
  for (const hub of cluster.hubs) clients.push(await connectClient(hub.url, { p2p: false, reconnectMinMs: 100, reconnectMaxMs: 500 }));
  const rooms: Room[] = [];
  for (const c of clients) rooms.push(await c.join(name));
  for (const room of rooms) await untilPaths(room, 2, ['relay']);
  return { rooms, ids: clients.map((c) => c.peerId) };
}

/** Streams `total` numbered messages from every room, with `trouble` started once a third is sent. */
async function streamThrough(rooms: Room[], ids: string[], total: number, trouble: () => Promise<void>): Promise<void> {
  const boxes = rooms.map(collect);
  const left: string[] = [];
  for (const room of rooms) room.on('peer-left', (p) => left.push(p.peerId));
  let sent = 0;
  const pump = setInterval(() => {
    for (let k = 0; k < 3 && sent < total; k++, sent++) rooms.forEach((room, i) => room.send(`${ids[i]}:${sent}`));
  }, 10);
  try {
    await until(() => sent >= total / 3, 'a third sent');
    await trouble();
    await until(() => sent >= total, 'all sent', 30_000);
  } finally {
    clearInterval(pump);
  }
  const expected = (rooms.length - 1) * total;
  await until(() => boxes.every((b) => b.length >= expected), `everyone gets ${expected}`, 45_000);
  await new Promise((r) => setTimeout(r, 500));
  boxes.forEach((box, i) => {
    expect(box.length, `client ${i}`).toBe(expected);
    for (const [j, id] of ids.entries()) if (j !== i) expect(box.filter((m) => m.from === id).map((m) => m.data)).toEqual(numbered(id, total));
  });
  expect(left).toEqual([]);
  expect(clients.map((c) => c.peerId)).toEqual(ids);
}

describe('Redis frozen (SIGSTOP) and thawed (SIGCONT)', () => {
  it('hubs stay up and refuse what needs Redis while it is frozen, and lose nothing once it thaws', async () => {
    const { rooms, ids } = await roomOnEveryHub('frozen');
    const bystander = await TestClient.connect(cluster.hubs[1]!.url);
    await streamThrough(rooms, ids, 300, async () => {
      cluster.redis.pause();
      const frozen = Date.now();
      try {
        // within a command timeout or two the hubs notice
        await pollUntil(async () => (await health(0)).redis === 'down', 'hub 0 reports redis down', COMMAND_TIMEOUT_MS * 6);
        console.log(`hub 0 reports redis down ${Date.now() - frozen} ms after SIGSTOP (command timeout ${COMMAND_TIMEOUT_MS} ms)`);
        expect(await readyStatus(0)).toBe(503);
        expect(await metric(0, 'roomwire_redis_up')).toBe(0);
        expect((await health(0)).status).toBe('ok'); // alive: /healthz answers
        expect(await upgradeStatus(cluster.hubs[0]!.url)).toBe(503);
        await pollUntil(async () => (await health(1)).redis === 'down', 'hub 1 reports redis down', COMMAND_TIMEOUT_MS * 6);
        bystander.send({ type: 'join', room: 'during-freeze', id: 1 });
        expect(await bystander.nextError('internal-error')).toMatchObject({ ref: 1 });
      } finally {
        cluster.redis.resume();
      }
      const thawed = Date.now();
      for (const i of [0, 1, 2]) await pollUntil(async () => (await health(i)).redis === 'up', `hub ${i} reports redis up`, 15_000);
      console.log(`hubs up again ${Date.now() - thawed} ms after SIGCONT`);
      expect(await readyStatus(0)).toBe(200);
      expect(await metric(0, 'roomwire_redis_up')).toBe(1);
      expect(await metric(0, 'roomwire_other_hubs')).toBe(2);
    });
    // after the thaw, joins work across hubs again, and the room is whole in Redis
    const late = await TestClient.connect(cluster.hubs[2]!.url);
    const joined = await late.join('frozen');
    expect(joined.peers.map((p) => p.peerId).sort()).toEqual([...ids].sort());
    await Promise.all([late.close(), bystander.close()]);
  }, 120_000);
});

describe('Redis restarted empty', () => {
  it('the hubs write every live room back from their sessions; clients notice nothing but latency', async () => {
    const { rooms, ids } = await roomOnEveryHub('rebuilt');
    await streamThrough(rooms, ids, 300, async () => {
      await cluster.redis.restartEmpty();
      const restarted = Date.now();
      const redis = cluster.redis.client();
      await pollUntil(async () => (await redis.hlen('rw:room:rebuilt')) >= 3 + 3, 'room rebuilt with its 3 members (+3 counters)', 20_000);
      console.log(`room rebuilt in Redis ${Date.now() - restarted} ms after its empty restart`);
    });
    const redis = cluster.redis.client();
    const members = Object.keys(await redis.hgetall('rw:room:rebuilt')).filter((k) => !k.startsWith('#'));
    expect(members.sort()).toEqual([...ids].sort());
    expect(await redis.sismember('rw:open', 'rebuilt')).toBe(1);
    // a newcomer on any hub sees the whole room
    const late = await TestClient.connect(cluster.hubs[0]!.url);
    const joined = await late.join('rebuilt');
    expect(joined.peers.map((p) => p.peerId).sort()).toEqual([...ids].sort());
    // and a session resumes on another hub with its token, written back too
    const resumed = await TestClient.resume(cluster.hubs[1]!.url, late);
    expect(resumed.answer).toMatchObject({ type: 'resumed', peerId: late.peerId });
    await resumed.client.close();
  }, 120_000);
});

/** A gauge of hub i's /metrics (its one sample). */
async function metric(i: number, name: string): Promise<number> {
  const text = await (await fetch(`${cluster.hubs[i]!.httpUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  if (line === undefined) throw new Error(`no ${name} in /metrics`);
  return Number(line.split(' ').at(-1));
}

/** The HTTP status a WebSocket upgrade gets (101 when it opens). */
function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    ws.on('error', (err) => reject(err));
  });
}

/** Polls a check that may fail while Redis is in trouble (a failure counts as not yet). */
function pollUntil(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  return until(() => check().catch(() => false), what, timeoutMs);
}

/**
 * Two server peers (`roomwire server-peer` processes) on two hubs sharing one Redis: every room has exactly
 * one; the room's history outlives the server peer that built it (SIGKILL), replayed by the other one to a
 * late joiner; and a star room keeps delivering every message once, in order, through that failover.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room } from '../../src/client/room.ts';
import type { RoomClient } from '../../src/client/room-client.ts';
import { signalAndWait } from '../helpers/child-exit.ts';
import { HubCluster } from '../helpers/hub-cluster.ts';
import { BIN } from '../helpers/hub-process.ts';
import { collect, connectClient, until } from '../helpers/room-clients.ts';
import { TestClient } from '../helpers/test-client.ts';

const SECRET = 'cluster-server-peer-secret-0123456789';
const RESUME_GRACE_MS = 2_000;
const HUB_TTL_MS = 2_000;

let cluster: HubCluster;
const serverPeers: ChildProcessWithoutNullStreams[] = [];
const clients: RoomClient[] = [];

/** `roomwire server-peer` against hub `index`, keeping history in the cluster's Redis. */
function startServerPeer(index: number, name: string): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, [BIN, 'server-peer', '--url', cluster.hubs[index]!.url, '--name', name], {
    env: { ...process.env, NODE_ENV: 'production', ROOMWIRE_SERVER_PEER_SECRET: SECRET, REDIS_URL: cluster.redis.url },
  });
  child.stderr.resume();
  serverPeers.push(child);
  return child;
}

const redis = () => cluster.redis.client();
/** The peer id serving a room, from its room hash in Redis. */
const servedBy = async (room: string) => redis().hget(`rw:room:${room}`, '#s');
const serverMembers = async (room: string) =>
  Object.entries(await redis().hgetall(`rw:room:${room}`)).filter(([k, v]) => !k.startsWith('#') && JSON.parse(v).role === 'server');
/** The display name the serving server peer joined with. */
async function serverName(room: string): Promise<string | undefined> {
  const id = await servedBy(room);
  if (id === null) return undefined;
  const member = await redis().hget(`rw:room:${room}`, id);
  return member === null ? undefined : (JSON.parse(member) as { name: string }).name;
}

beforeAll(async () => {
  cluster = await HubCluster.start({
    hubs: 2,
    hubArgs: [
      '--no-server-peer', '--server-peer-secret', SECRET, '--mesh-limit', '2',
      '--resume-grace-ms', String(RESUME_GRACE_MS), '--hub-ttl-ms', String(HUB_TTL_MS),
    ],
  });
  const watching = [startServerPeer(0, 'sp-0'), startServerPeer(1, 'sp-1')].map((sp) => new Promise<void>((resolve) => {
    let out = '';
    sp.stdout.on('data', (d: Buffer) => {
      out += d;
      if (out.includes('watching rooms')) resolve();
    });
  }));
  await Promise.all(watching);
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(serverPeers.map((sp) => signalAndWait(sp, 'SIGKILL', 5_000)));
  await cluster?.close();
});

describe('two server peers on two hubs', () => {
  it('serve every room, exactly one per room', async () => {
    const peers = await Promise.all(Array.from({ length: 8 }, (_, i) => TestClient.connect(cluster.hubs[i % 2]!.url)));
    await Promise.all(peers.map((p, i) => p.join(`served-${i}`)));
    for (let i = 0; i < 8; i++) await until(async () => (await servedBy(`served-${i}`)) !== null, `room served-${i} served`);
    await new Promise((r) => setTimeout(r, 500)); // a second server peer would have joined by now
    const names: string[] = [];
    for (let i = 0; i < 8; i++) {
      expect((await serverMembers(`served-${i}`)).length, `served-${i}`).toBe(1);
      names.push((await serverName(`served-${i}`))!);
    }
    console.log(`rooms per server peer: sp-0 ${names.filter((n) => n === 'sp-0').length}, sp-1 ${names.filter((n) => n === 'sp-1').length}`);
    await Promise.all(peers.map((p) => p.close()));
  }, 60_000);

  it('history and a star room survive the death of the server peer serving them', async () => {
    // A star room (mesh limit 2, three peers) on both hubs; everyone streams numbered broadcasts.
    const members: RoomClient[] = [];
    for (const i of [0, 1, 1]) members.push(await connectClient(cluster.hubs[i]!.url, { p2pTimeoutMs: 5_000 }));
    clients.push(...members);
    const rooms: Room[] = [];
    for (const c of members) rooms.push(await c.join('star'));
    await until(() => rooms.every((r) => r.topology === 'star'), 'the room is a star', 30_000);
    const serving = await serverName('star');
    expect(serving).toBeDefined();
    const boxes = rooms.map(collect);
    const ids = members.map((c) => c.peerId);
    // Few enough that the history (historySize 50) still holds the first ones at the end.
    const TOTAL = 16;
    let sent = 0;
    const pump = setInterval(() => {
      if (sent < TOTAL) rooms.forEach((room, i) => room.send(`${ids[i]}:${sent}`));
      sent++;
    }, 100);
    try {
      await until(() => sent >= 4, 'a quarter sent');
      await until(async () => (await redis().xlen('rw:history:star')) > 0, 'history kept in Redis');
      // the server peer serving the room dies; the other one takes the room once its session is over
      const victim = serverPeers[serving === 'sp-0' ? 0 : 1]!;
      await signalAndWait(victim, 'SIGKILL', 5_000);
      await until(async () => (await serverName('star')) !== undefined && (await serverName('star')) !== serving, 'the other server peer serves the room', RESUME_GRACE_MS + 15_000);
      await until(() => sent >= TOTAL, 'all sent', 30_000);
    } finally {
      clearInterval(pump);
    }
    const numbered = (id: string) => Array.from({ length: TOTAL }, (_, k) => `${id}:${k}`);
    await until(() => boxes.every((b) => b.filter((m) => !m.history).length >= 2 * TOTAL), 'everyone gets every message', 45_000);
    await new Promise((r) => setTimeout(r, 500));
    boxes.forEach((box, i) => {
      const live = box.filter((m) => !m.history);
      expect(live.length, `member ${i}`).toBe(2 * TOTAL);
      for (const [j, id] of ids.entries()) if (j !== i) expect(live.filter((m) => m.from === id).map((m) => m.data)).toEqual(numbered(id));
    });
    await until(() => rooms.every((r) => r.topology === 'star'), 'a star again, through the new server peer', 30_000);

    // A late joiner gets the history the dead server peer built, from the one serving now.
    const late = await connectClient(cluster.hubs[0]!.url, { p2pTimeoutMs: 5_000 });
    clients.push(late);
    const lateBox: { data: unknown; history?: unknown }[] = [];
    await late.join('star', {}, (room) => room.on('message', (m) => lateBox.push(m)));
    await until(() => lateBox.some((m) => m.history !== undefined && m.data === `${ids[0]}:0`), 'history from before the failover', 30_000);
    const replayed = lateBox.filter((m) => m.history !== undefined).map((m) => m.data as string);
    expect(replayed.filter((d) => d.startsWith(`${ids[0]}:`)).slice(0, 4)).toEqual([0, 1, 2, 3].map((k) => `${ids[0]}:${k}`));
  }, 120_000);
});

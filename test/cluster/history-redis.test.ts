/**
 * Room history in a real Redis (Debian's redis-server on a free port): it outlives the server peer that
 * built it, stays within its count and byte caps in Redis, expires historyTtlMs after the room is no
 * longer served, and Redis trouble never takes the server peer down.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoomClient } from '../../src/client/room-client.ts';
import type { Room, RoomMessage } from '../../src/client/room.ts';
import { ServerPeer, type ServerPeerOptions } from '../../src/server-peer/server-peer.ts';
import { checkRedisHistoryOptions, openRedisHistoryStore, type RedisHistoryOptions } from '../../src/server-peer/redis-history-store.ts';
import { RoomHistory, type HistoryItem } from '../../src/server-peer/room-history.ts';
import { freePort } from '../helpers/coturn.ts';
import { startHub, type TestHub } from '../helpers/hub.ts';
import { HubProcess } from '../helpers/hub-process.ts';
import { collect, connectClient, until, untilPaths } from '../helpers/room-clients.ts';

const SECRET = 'server-peer-secret-for-tests-xxxx';
const PREFIX = 'rwtest:';

/** A throwaway redis-server: loopback, no persistence. (The shared helper test/helpers/redis-server.ts will replace this.) */
async function startRedis(): Promise<{ url: string; process: ChildProcess; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url); // retries connecting (with its offline queue) until the server listens
  probe.on('error', () => undefined);
  await probe.ping();
  probe.disconnect();
  return {
    url, process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await once(child, 'exit');
    },
  };
}

let redis: Awaited<ReturnType<typeof startRedis>>;
let inspect: Redis;
let t: TestHub;
const clients: RoomClient[] = [];
const peers: ServerPeer[] = [];
const logs: string[] = [];

beforeAll(async () => {
  redis = await startRedis();
  inspect = new Redis(redis.url);
  t = await startHub({ serverPeerSecret: SECRET });
});
afterAll(async () => {
  for (const c of clients) await c.close();
  for (const p of peers) await p.close();
  await t?.hub.close();
  inspect?.disconnect();
  await redis?.stop();
});

async function client(): Promise<RoomClient> {
  const c = await connectClient(t.url);
  clients.push(c);
  return c;
}

async function serverPeer(extra: Partial<ServerPeerOptions> = {}): Promise<ServerPeer> {
  const peer = new ServerPeer({
    url: t.url, secret: SECRET, rooms: [], historySize: 5, historyMaxBytes: 64 * 1024, name: 'server',
    redisUrl: redis.url, redisPrefix: PREFIX, log: (line) => logs.push(line), ...extra,
  });
  peers.push(peer);
  await peer.start();
  return peer;
}

const stream = (room: string) => `${PREFIX}history:${room}`;
const counter = (room: string) => `${PREFIX}history-bytes:${room}`;
const peersKey = (room: string) => `${PREFIX}history-peers:${room}`;
const historyOf = (inbox: RoomMessage[]) => inbox.filter((m) => m.history !== undefined);
let readers = 0;
/** The whole history, as a member that never had it would get it. */
const read = (store: { replayFor(room: string, peerId: string): Promise<readonly HistoryItem[]> }, room: string) => store.replayFor(room, `reader-${++readers}`);

/** Joins `room`, waits for the server peer and a direct link to it; resolves with the room. */
async function joinServed(room: string, server: ServerPeer) {
  const c = await client();
  const r = await c.join(room, { name: 'early' });
  await until(() => server.roomNames().includes(room) && [...r.members.values()].some((p) => p.role === 'server'), 'the server peer joins');
  await untilPaths(r, 1, ['direct'], 20_000);
  return { c, r };
}

const roomOfInbox = new WeakMap<RoomMessage[], Room>();
const lateRoomOf = (inbox: RoomMessage[]) => roomOfInbox.get(inbox)!;

async function lateJoiner(room: string, expected: number) {
  const c = await client();
  const r = await c.join(room, { name: 'late' });
  const inbox = collect(r);
  roomOfInbox.set(inbox, r);
  await until(() => historyOf(inbox).length >= expected, `${expected} history messages`);
  return { inbox, history: historyOf(inbox) };
}

describe('room history in Redis', () => {
  it('survives the server peer that built it: another server peer on the same Redis replays it, byte-exact and in order', async () => {
    const first = await serverPeer();
    const { c: early, r } = await joinServed('survives', first);
    const earlyInbox = collect(r);
    const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const sent: (string | Uint8Array)[] = ['m0', 'm1', allBytes, 'héllo ✓ 😀', new Uint8Array(0), '', Uint8Array.from({ length: 3000 }, (_, i) => (i * 7919) % 256)];
    for (const data of sent) r.send(data);
    r.send('a secret', { to: [...r.members.values()].find((p) => p.role === 'server')!.peerId });
    // historySize 5: the last five broadcasts, whispers never
    const expected = sent.slice(-5);
    await untilAsync(async () => (await inspect.xrange(stream('survives'), '-', '+')).at(-1)?.[1][5] === 'b', 'the last one in Redis');
    expect(await inspect.xlen(stream('survives'))).toBe(5);
    const { inbox: lateInbox, history: got1 } = await lateJoiner('survives', 5);
    expect(got1.map((m) => m.data)).toEqual(expected);
    for (const m of got1) expect(m.history!.from).toBe(early.peerId);
    await first.close();
    expect(await inspect.pttl(stream('survives'))).toBeGreaterThan(0); // it has a TTL, and it is still there

    const second = await serverPeer();
    await until(() => second.roomNames().includes('survives'), 'the second server peer serves the room');
    const { history: got2 } = await lateJoiner('survives', 5);
    expect(got2.map((m) => m.data)).toEqual(expected);
    expect(got2.map((m) => m.history)).toEqual(got1.map((m) => m.history));
    expect(got2.every((m) => m.from !== got1[0]!.from)).toBe(true); // replayed by the other server peer
    // The members that were there when it took over had the history already: none of it again. (A command
    // answered by the second server peer comes after any replay on the same link.)
    for (const [room, inbox] of [[r, earlyInbox], [lateRoomOf(lateInbox), lateInbox]] as const) {
      room.send('/help');
      await until(() => inbox.some((m) => m.from !== got1[0]!.from && typeof m.data === 'string' && m.data.includes('/who')), 'answered by the second server peer');
    }
    expect(historyOf(earlyInbox)).toEqual([]);
    expect(historyOf(lateInbox)).toHaveLength(5);
    await second.close();
  }, 90_000);

  it('holds exactly what the in-memory history holds: at most historySize entries and historyMaxBytes of data, also in Redis', async () => {
    const store = await openRedisHistoryStore(storeOptions({ maxItems: 20, maxBytes: 10_000 }));
    const model = new RoomHistory(20, 10_000);
    store.open('caps');
    let seed = 7;
    const rand = (n: number) => (seed = (seed * 48_271) % 2_147_483_647) % n;
    const push = (item: HistoryItem) => {
      store.push('caps', item);
      model.push(item);
    };
    // Sizes up to 3000 bytes (the byte cap decides), some over the cap (never kept), then tiny ones (the count decides).
    for (let i = 0; i < 400; i++) {
      const size = rand(10) === 0 ? 10_001 + rand(100) : rand(3_000);
      const data = i % 2 === 1 ? Uint8Array.from({ length: size }, () => rand(256)) : 'é'.repeat(size >> 1) + 'x'.repeat(size & 1);
      push({ from: `p${i}`, at: 1_700_000_000_000 + i, data });
      if (i === 200) expect(await read(store, 'caps')).toEqual(model.list()); // mid-way too
    }
    expect(model.totalBytes).toBeGreaterThan(7_000); // the byte cap was what bound it
    expect(await read(store, 'caps')).toEqual(model.list());
    expect(await inspect.xlen(stream('caps'))).toBe(model.size);
    expect(Number(await inspect.get(counter('caps')))).toBe(model.totalBytes);
    const streamBytes = Number(await inspect.call('MEMORY', 'USAGE', stream('caps'), 'SAMPLES', '0'));
    expect(streamBytes).toBeLessThan(10_000 + 16 * 1024); // the data, and at most a stream node of dropped entries and overhead

    for (let i = 0; i < 100; i++) push({ from: 'q', at: i, data: new Uint8Array([i]) });
    expect(await read(store, 'caps')).toEqual(model.list());
    expect(await inspect.xlen(stream('caps'))).toBe(20);

    // A counter that went missing (evicted) is recounted from the stream.
    await inspect.del(counter('caps'));
    push({ from: 'r', at: 1, data: 'x'.repeat(9_990) });
    expect(await read(store, 'caps')).toEqual(model.list());
    expect(Number(await inspect.get(counter('caps')))).toBe(model.totalBytes);
    await store.close();

    // Options that cannot work are refused by name.
    expect(() => checkRedisHistoryOptions(storeOptions({ ttlMs: 999 }))).toThrow(/historyTtlMs/);
    expect(() => checkRedisHistoryOptions(storeOptions({ maxBytes: 1_000, maxPendingBytes: 1_000 }))).toThrow(/historyMaxPendingBytes/);
  });

  it('replays to a member once per stay in the room, whichever server peer replays it', async () => {
    const store = await openRedisHistoryStore(storeOptions({}));
    const other = await openRedisHistoryStore(storeOptions({})); // another server peer, later
    store.open('once');
    store.push('once', { from: 'a', at: 1, data: 'hello' });
    expect(await store.replayFor('once', 'x')).toEqual([{ from: 'a', at: 1, data: 'hello' }]);
    expect(await store.replayFor('once', 'x')).toEqual([]);
    expect(await other.replayFor('once', 'x')).toEqual([]); // it had it from the first one
    expect(await other.replayFor('once', 'y')).toHaveLength(1);
    other.left('once', 'x'); // x left: when it comes back, it gets the history again
    expect(await other.replayFor('once', 'x')).toHaveLength(1);
    other.present('once', ['x']); // y left while nobody served the room: forgotten
    expect((await inspect.smembers(`${PREFIX}history-peers:once`)).sort()).toEqual(['x']);
    expect(await inspect.pttl(`${PREFIX}history-peers:once`)).toBeGreaterThan(0);
    await store.close();
    await other.close();
  });

  it('keeps history while served, sets its TTL when the room is released and refreshes it when served again; then it expires', async () => {
    const ttlMs = 1_500;
    const server = await serverPeer({ historyTtlMs: ttlMs });
    const { c, r } = await joinServed('ttl', server);
    r.send('a');
    r.send(new Uint8Array([1, 2]));
    await untilAsync(async () => (await inspect.xlen(stream('ttl'))) === 2, 'two entries in Redis');
    for (const key of [stream('ttl'), counter('ttl'), peersKey('ttl')]) {
      const pttl = await inspect.pttl(key);
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(ttlMs);
    }
    // Served for longer than the TTL: refreshed every ttlMs/2, still there (Redis counts real time).
    await new Promise((resolve) => setTimeout(resolve, ttlMs + 500));
    expect(await inspect.exists(stream('ttl'), counter('ttl'), peersKey('ttl'))).toBe(3);

    await r.leave(); // the room closes; the server peer releases it
    await until(() => !server.roomNames().includes('ttl'), 'released');
    // No longer refreshed: it counts down below what refreshes every ttlMs/2 would allow.
    await untilAsync(async () => (await inspect.pttl(stream('ttl'))) < ttlMs / 3, 'the TTL runs down', 5_000);

    const again = await c.join('ttl', { name: 'again' });
    const inbox = collect(again);
    await until(() => server.roomNames().includes('ttl'), 'served again');
    await untilAsync(async () => (await inspect.pttl(stream('ttl'))) > ttlMs * 0.6, 'the TTL is refreshed', 5_000);
    await until(() => historyOf(inbox).length === 2, 'the history survived the gap (and the member who left gets it again)');
    expect(historyOf(inbox).map((m) => m.data)).toEqual(['a', new Uint8Array([1, 2])]);

    await again.leave();
    await until(() => !server.roomNames().includes('ttl'), 'released again');
    await untilAsync(async () => (await inspect.exists(stream('ttl'), counter('ttl'), peersKey('ttl'))) === 0, 'every key expired', ttlMs + 5_000);
    await server.close();
  }, 60_000);

  it('a Redis that cannot be reached costs the history, never the server peer', async () => {
    const before = logs.length;
    const server = await serverPeer({ redisUrl: `redis://127.0.0.1:${await freePort()}` });
    const { r } = await joinServed('no-redis', server);
    for (let i = 0; i < 50; i++) r.send(`m${i}`);
    const late = await client();
    const rl = await late.join('no-redis', { name: 'late' });
    const inbox = collect(rl);
    rl.send('/help'); // answered after any replay would have been sent: the same link, in order
    await until(() => inbox.some((m) => typeof m.data === 'string' && m.data.includes('/who')), '/help answered');
    expect(historyOf(inbox)).toEqual([]);
    const failures = logs.slice(before).filter((line) => line.startsWith('history in Redis'));
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.length).toBeLessThan(10); // 50 pushes and reconnection attempts: the 1st, 10th, 100th ... logged
    await server.close();
  }, 60_000);

  it('a stalled Redis (SIGSTOP) holds at most historyMaxPendingBytes waiting; it works again after SIGCONT', async () => {
    const lines: string[] = [];
    const store = await openRedisHistoryStore(storeOptions({ maxItems: 50, maxBytes: 10_000, maxPendingBytes: 64 * 1024, log: (l) => lines.push(l) }));
    store.open('stalled');
    await read(store, 'stalled'); // connected
    redis.process.kill('SIGSTOP');
    try {
      for (let i = 0; i < 100; i++) store.push('stalled', { from: 'p', at: i, data: new Uint8Array(5_000) });
      expect(store.pendingBytes).toBeGreaterThan(0);
      expect(store.pendingBytes).toBeLessThanOrEqual(64 * 1024);
      expect(lines.some((l) => l.includes('dropped'))).toBe(true);
    } finally {
      redis.process.kill('SIGCONT');
    }
    const kept = await read(store, 'stalled');
    expect(kept.length).toBe(2); // 10_000 bytes of 5_000-byte broadcasts: the newest that got through
    store.push('stalled', { from: 'p', at: 1_000, data: 'after' });
    expect((await read(store, 'stalled')).at(-1)).toEqual({ from: 'p', at: 1_000, data: 'after' });
    expect(store.pendingBytes).toBe(0);
    await store.close();
  });

  it('roomwire hub --redis-url: the server peer it starts keeps history in that Redis', async () => {
    const hub = await HubProcess.start(['--redis-url', redis.url]);
    try {
      const c = await connectClient(hub.url);
      clients.push(c);
      const r = await c.join('from-cli');
      await until(() => [...r.members.values()].some((p) => p.role === 'server'), 'the embedded server peer joins', 30_000);
      await untilPaths(r, 1, ['direct'], 20_000);
      r.send('kept in redis');
      await untilAsync(async () => (await inspect.xlen('rw:history:from-cli')) === 1, 'the broadcast in Redis under the default prefix');
      expect((await inspect.xrange('rw:history:from-cli', '-', '+'))[0]![1]).toEqual(['f', c.peerId, 't', expect.any(String), 'k', 's', 'd', 'kept in redis']);
      expect(hub.log).toContain('history in Redis: connected');
      expect(hub.log).not.toContain(redis.url); // the URL (it may carry a password) is in no argument or log line
    } finally {
      expect(await hub.stop()).toBe(0);
    }
  }, 60_000);

  it('a server peer without Redis never loads ioredis (and one with Redis does)', async () => {
    // A resolve hook that refuses ioredis: importing it fails the child.
    const hook = `data:text/javascript,${encodeURIComponent(`export async function resolve(s, c, next) { if (s === 'ioredis') throw new Error('ioredis was loaded'); return next(s, c); }`)}`;
    const register = `data:text/javascript,${encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(hook)});`)}`;
    const script = `
      import { ServerPeer } from ${JSON.stringify(new URL('../../src/server-peer/index.ts', import.meta.url).href)};
      const peer = new ServerPeer({ url: process.env.HUB_URL, secret: process.env.SECRET, rooms: ['lazy'], historySize: 5, name: 'lazy', redisUrl: process.env.TEST_REDIS_URL });
      await peer.start();
      await peer.close();
      console.log('served without ioredis');
      process.exit(0);`;
    const run = (redisUrl: string) => new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--import', register, '--input-type=module', '-e', script], {
        env: { ...process.env, HUB_URL: t.url, SECRET, TEST_REDIS_URL: redisUrl }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => { out += d; });
      child.stderr.on('data', (d) => { out += d; });
      child.on('exit', (code) => resolve({ code, out }));
    });
    const without = await run('');
    expect(without.out).toContain('served without ioredis');
    expect(without.code).toBe(0);
    const withRedis = await run(redis.url);
    expect(withRedis.out).toContain('ioredis was loaded');
    expect(withRedis.code).not.toBe(0);
  }, 60_000);
});

function storeOptions(o: Partial<RedisHistoryOptions>): RedisHistoryOptions {
  return { url: redis.url, prefix: PREFIX, maxItems: 50, maxBytes: 1024 * 1024, ttlMs: 60_000, maxPendingBytes: 16 * 1024 * 1024, log: (l) => logs.push(l), ...o };
}

/** Resolves when the async `predicate` holds, polling. */
async function untilAsync(predicate: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

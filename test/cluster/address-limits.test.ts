/**
 * The per-address limits hold across hubs sharing one Redis: open WebSockets, sessions (absent ones
 * included), and the rates of new connections and of joins. Real redis-server, real hubs (in this process,
 * and one hub process killed with SIGKILL); clients act as one address with ws's `localAddress`.
 */
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { type ClientOptions } from 'ws';
import type { HubOptions } from '../../src/hub/options.ts';
import { freePort } from '../helpers/coturn.ts';
import { startHub, type TestHub } from '../helpers/hub.ts';
import { BIN, listeningPort } from '../helpers/hub-process.ts';
import { until } from '../helpers/room-clients.ts';
import { TestClient } from '../helpers/test-client.ts';

const REDIS_SERVER = '/usr/bin/redis-server';

interface LocalRedis {
  port: number;
  url: string;
  /** A client for looking at the keys. */
  client: Redis;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** A redis-server on a free port (or `port`), nothing on disk; resolves once it answers PING. */
async function startRedis(port?: number): Promise<LocalRedis> {
  port ??= await freePort();
  const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmpdir()], { stdio: 'ignore' });
  const client = new Redis(port, '127.0.0.1', { retryStrategy: () => 50, maxRetriesPerRequest: null });
  client.on('error', () => {}); // refused until the server listens, and after it stops
  await withTimeout(client.ping(), 10_000, 'redis-server answers PING');
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    client,
    child,
    async stop() {
      client.disconnect();
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    },
  };
}

let redis: LocalRedis;
let prefixes = 0;
const hubs: TestHub[] = [];

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await Promise.all(hubs.map((t) => t.hub.close()));
  await redis.stop();
});

/** Two hubs on the shared Redis, under a key prefix of their own (each test its own cluster). */
async function twoHubs(options: Partial<HubOptions>): Promise<[TestHub, TestHub, string]> {
  const redisKeyPrefix = `t${++prefixes}:`;
  const pair = await Promise.all([0, 1].map(() => startHub({ redisUrl: redis.url, redisKeyPrefix, ...options })));
  hubs.push(...pair);
  return [pair[0]!, pair[1]!, redisKeyPrefix];
}

/** An upgrade attempt's HTTP status (101: accepted, and closed again at once) and body (names the limit). */
function upgrade(url: string, options: ClientOptions = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, options);
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('open', () => {
      ws.close();
      resolve({ status: 101, body: '' });
    });
    ws.on('error', () => {});
  });
}

/** Connects as soon as the hub lets the address in (tries every 50 ms, bounded by `timeoutMs`). */
async function connectWhenAllowed(url: string, options: ClientOptions, timeoutMs = 10_000): Promise<TestClient> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await TestClient.connect(url, options);
    } catch (err) {
      if (Date.now() > deadline) throw err; // refused (429) all along
    }
    await sleep(50);
  }
}

const from = (localAddress: string): ClientOptions => ({ localAddress });

describe('per-address limits across hubs on one Redis', () => {
  it('counts open WebSockets of an address over every hub (429), and frees the place when one closes', async () => {
    const [a, b] = await twoHubs({ maxConnectionsPerAddress: 3, maxSessionsPerAddress: 10 });
    const mine = [
      await TestClient.connect(a.url, from('127.0.0.5')),
      await TestClient.connect(a.url, from('127.0.0.5')),
      await TestClient.connect(b.url, from('127.0.0.5')),
    ];
    for (const t of [a, b]) {
      expect(await upgrade(t.url, from('127.0.0.5'))).toEqual({ status: 429, body: 'open connections of your address' });
    }
    const elsewhere = await TestClient.connect(b.url, from('127.0.0.6')); // another address has its own places
    await mine[0]!.close(); // on hub a: its place is free for hub b too
    const again = await connectWhenAllowed(b.url, from('127.0.0.5'));
    expect(await upgrade(a.url, from('127.0.0.5'))).toEqual({ status: 429, body: 'open connections of your address' });
    await Promise.all([...mine.slice(1), elsewhere, again].map((c) => c.close()));
  });

  it('counts sessions (absent ones included) over every hub; only the hub holding an absent one can yield it', async () => {
    const [a, b] = await twoHubs({ maxConnectionsPerAddress: 3, maxSessionsPerAddress: 3, resumeGraceMs: 60_000 });
    const watcher = await TestClient.connect(b.url, from('127.0.0.8'));
    await watcher.join('s');
    const ghosts = [await TestClient.connect(a.url, from('127.0.0.7')), await TestClient.connect(a.url, from('127.0.0.7'))];
    for (const ghost of ghosts) await ghost.join('s');
    const onB = await TestClient.connect(b.url, from('127.0.0.7'));
    for (const [i, ghost] of ghosts.entries()) { // absent, in their grace, on hub a, the first the oldest
      await ghost.kill();
      await until(() => a.hub.stats().connections === 1 - i, 'hub a sees the ghost gone');
    }
    // 1 connection, 3 sessions
    // Hub b holds no absent session of the address: the places are not its to free.
    expect(await upgrade(b.url, from('127.0.0.7'))).toEqual({ status: 429, body: 'sessions of your address' });
    // Hub a does: its oldest absent session of the address yields (every hub's members see it leave).
    const newcomer = await TestClient.connect(a.url, from('127.0.0.7'));
    expect(await watcher.next('peer-left')).toMatchObject({ peerId: ghosts[0]!.peerId, reason: 'disconnected' });
    expect(await upgrade(b.url, from('127.0.0.7'))).toEqual({ status: 429, body: 'sessions of your address' });
    await onB.close(); // a deliberate close ends its session: its place is free on every hub
    const again = await connectWhenAllowed(b.url, from('127.0.0.7'));
    await Promise.all([newcomer, watcher, again].map((c) => c.close()));
  });

  it('moves a session\'s place with it when it resumes on another hub', async () => {
    const [a, b, prefix] = await twoHubs({ maxConnectionsPerAddress: 3, maxSessionsPerAddress: 3, resumeGraceMs: 60_000 });
    const key = `${prefix}addr:127.0.0.9`;
    const first = await TestClient.connect(a.url, from('127.0.0.9'));
    await first.join('m');
    const fieldsOnA = await redis.client.hkeys(key);
    expect(fieldsOnA.sort().map((f) => f.slice(0, 2))).toEqual(['c:', 's:']);
    const hubA = fieldsOnA[0]!.slice(2);
    await first.kill();
    const moved = await TestClient.connect(b.url, from('127.0.0.9'));
    moved.send({ type: 'resume', token: first.welcome.resumeToken, received: first.received });
    expect(await moved.next('resumed')).toMatchObject({ peerId: first.peerId });
    // One session of the address, on hub b now: hub a gave its place back when it handed the session over.
    await untilHash(key, (h) => h[`s:${hubA}`] === undefined && Object.keys(h).length === 2);
    const after = await redis.client.hgetall(key);
    const hubB = Object.keys(after).find((f) => f.startsWith('s:'))!.slice(2);
    expect(after).toEqual({ [`c:${hubB}`]: '1', [`s:${hubB}`]: '1' });
    await moved.close();
    await untilHash(key, (h) => Object.keys(h).length === 0);
  });

  it('shares the join rate of an address between hubs (rate-limited on the second hub)', async () => {
    const [a, b] = await twoHubs({ joinsPerSecondPerAddress: 1, joinBurstPerAddress: 4 });
    const x = await TestClient.connect(a.url, from('127.0.0.10'));
    const y = await TestClient.connect(b.url, from('127.0.0.10'));
    const started = Date.now();
    const onA = await joins(x, 'a', 8);
    expect(onA).toContain('rate-limited'); // the budget is spent on hub a
    const onB = await joins(y, 'b', 3);
    // Alone, hub b would have its own budget of 1 + 4 joins: it shares hub a's, and refills 1 a second.
    expect(onB).toContain('rate-limited');
    const joined = [...onA, ...onB].filter((c) => c === 'joined').length;
    expect(joined).toBeLessThanOrEqual(affordable(1, 4, Date.now() - started));
    await Promise.all([x, y].map((c) => c.close()));
  });

  it('shares the connection rate of an address between hubs (429 on the second hub)', async () => {
    const [a, b] = await twoHubs({ connectionsPerSecondPerAddress: 1, connectionBurstPerAddress: 4 });
    const started = Date.now();
    const onA = [];
    for (let i = 0; i < 8; i++) onA.push(await upgrade(a.url, from('127.0.0.11')));
    expect(onA.map((r) => r.status)).toContain(429);
    const onB = [];
    for (let i = 0; i < 3; i++) onB.push(await upgrade(b.url, from('127.0.0.11')));
    expect(onB).toContainEqual({ status: 429, body: 'connection rate of your address' });
    const accepted = [...onA, ...onB].filter((r) => r.status === 101).length;
    expect(accepted).toBeLessThanOrEqual(affordable(1, 4, Date.now() - started));
  });

  it('stops counting a hub killed with SIGKILL, and the reaper removes its counts', async () => {
    const prefix = `t${++prefixes}:`;
    const options = { maxConnectionsPerAddress: 3, maxSessionsPerAddress: 3, hubTtlMs: 1_000, resumeGraceMs: 1_000 };
    const survivor = await startHub({ redisUrl: redis.url, redisKeyPrefix: prefix, ...options });
    hubs.push(survivor);
    const doomed = await startHubProcess(redis.url, prefix, options);
    try {
      const key = `${prefix}addr:127.0.0.12`;
      const clients = await Promise.all([0, 1, 2].map(() => TestClient.connect(doomed.url, from('127.0.0.12'))));
      for (const [i, c] of clients.entries()) await c.join(`dead-${i}`); // in rooms: their sessions outlive the socket
      expect(await upgrade(survivor.url, from('127.0.0.12'))).toEqual({ status: 429, body: 'open connections of your address' });
      const deadHub = (await redis.client.hkeys(key))[0]!.slice(2);
      expect(await redis.client.hgetall(key)).toEqual({ [`c:${deadHub}`]: '3', [`s:${deadHub}`]: '3' });
      doomed.child.kill('SIGKILL');
      await once(doomed.child, 'exit');
      // Its liveness key expires (hubTtlMs): its sockets are gone and its sessions no longer hold places.
      const back = [await connectWhenAllowed(survivor.url, from('127.0.0.12'))];
      // resumeGraceMs later a survivor reaps it: its sessions end, its counts go.
      await untilHash(key, (h) => h[`c:${deadHub}`] === undefined && h[`s:${deadHub}`] === undefined);
      expect(await redis.client.exists(`${prefix}hub:${deadHub}:addrs`)).toBe(0);
      // The address has its 3 places again, on the hub that lives, and no more.
      back.push(...await Promise.all([0, 1].map(() => TestClient.connect(survivor.url, from('127.0.0.12')))));
      expect(await upgrade(survivor.url, from('127.0.0.12'))).toEqual({ status: 429, body: 'open connections of your address' });
      await Promise.all(back.map((c) => c.close()));
    } finally {
      doomed.child.kill('SIGKILL');
    }
  });
});

describe('per-address limits while Redis is down', () => {
  let own: LocalRedis;
  beforeAll(async () => {
    own = await startRedis();
  });
  afterAll(() => own.stop());

  it('keeps the join rate per hub (memory insurance) while Redis is unreachable, and writes the counts back to an empty Redis', async () => {
    const t = await startHub({ redisUrl: own.url, joinsPerSecondPerAddress: 1, joinBurstPerAddress: 2 });
    hubs.push(t);
    const x = await TestClient.connect(t.url, from('127.0.0.13'));
    await own.stop();
    await untilHealth(t, 'down');
    const started = Date.now();
    const answers = await joins(x, 'down', 6);
    // Joins need Redis (internal-error); the budget they spend is counted in memory, and runs out.
    expect(new Set(answers)).toEqual(new Set(['internal-error', 'rate-limited']));
    const spent = answers.filter((c) => c !== 'rate-limited').length;
    expect(spent).toBeLessThanOrEqual(affordable(1, 2, Date.now() - started));
    own = await startRedis(own.port); // back, empty, on the same URL
    await untilHealth(t, 'up');
    const hash = await own.client.hgetall('rw:addr:127.0.0.13');
    expect(Object.keys(hash).map((f) => f.slice(0, 2)).sort()).toEqual(['c:', 's:']);
    expect(Object.values(hash)).toEqual(['1', '1']);
    await x.close();
  });
});

/** Sends `n` joins one after the other; the answers: `joined` or the error code. */
async function joins(client: TestClient, room: string, n: number): Promise<string[]> {
  const codes: string[] = [];
  for (let i = 0; i < n; i++) {
    const ref = `${room}-${i}`;
    client.send({ type: 'join', room: ref, id: ref });
    const answer = await client.take((m): m is never => (m.type === 'joined' || m.type === 'error') && 'ref' in m && m.ref === ref, 'answer');
    codes.push((answer as { type: string; code?: string }).code ?? 'joined');
  }
  return codes;
}

/** A hub process (the built CLI) on the shared Redis, without a server peer. */
async function startHubProcess(redisUrl: string, prefix: string, options: Record<string, number>): Promise<{ child: ChildProcessWithoutNullStreams; url: string }> {
  const flags = Object.entries(options).flatMap(([k, v]) => [`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, String(v)]);
  const child = spawn(process.execPath, [
    BIN, 'hub', '--host', '127.0.0.1', '--port', '0', '--no-server-peer', '--redis-url', redisUrl, '--redis-key-prefix', prefix, ...flags,
  ], { env: { ...process.env, NODE_ENV: 'production' } });
  child.stderr.on('data', () => {}); // read, so that it never blocks
  const port = await withTimeout(listeningPort(child), 15_000, 'the hub process listens');
  return { child, url: `ws://127.0.0.1:${port}/ws` };
}

async function untilHash(key: string, ok: (hash: Record<string, string>) => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hash = await redis.client.hgetall(key);
    if (ok(hash)) return;
    if (Date.now() > deadline) throw new Error(`timed out: ${key} is ${JSON.stringify(hash)}`);
    await sleep(50);
  }
}

async function untilHealth(t: TestHub, redisHealth: 'up' | 'down', timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const health = (await (await fetch(`${t.httpUrl}/healthz`)).json()) as { redis?: string };
    if (health.redis === redisHealth) return;
    if (Date.now() > deadline) throw new Error(`timed out: /healthz says redis ${health.redis}`);
    await sleep(50);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The most a BurstyRateLimiter of `perSecond` (1 s windows) plus `burst` (windows of burst/perSecond s,
 * whole seconds in Redis) lets through in `elapsedMs`; each key's windows start at its first request.
 */
function affordable(perSecond: number, burst: number, elapsedMs: number): number {
  const windows = (lengthMs: number) => Math.floor(elapsedMs / lengthMs) + 1;
  return perSecond * windows(1_000) + burst * windows(Math.max(1, burst / perSecond) * 1_000);
}

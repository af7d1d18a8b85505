/**
 * The cluster tests' own infrastructure, on real processes: redis-server frozen, crashed and restarted
 * empty; HAProxy in front of two hubs (round robin, /readyz checks, a killed hub's clients cut and new
 * ones sent to the survivor, retries on a dead hub, client addresses through X-Forwarded-For); hub
 * processes killed with SIGKILL or SIGTERM; HubCluster's start and close. These hubs share nothing (no
 * Redis bus): what is tested here is the machinery the cluster tests stand on.
 */
import { existsSync } from 'node:fs';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, poll } from '../helpers/child-exit.ts';
import { freePort } from '../helpers/coturn.ts';
import { Haproxy } from '../helpers/haproxy.ts';
import { HubCluster } from '../helpers/hub-cluster.ts';
import { HubProcess } from '../helpers/hub-process.ts';
import { RedisServer } from '../helpers/redis-server.ts';

/** Every process this file started, to prove at the end that none is left. */
const pids: number[] = [];
const track = <T extends { pid: number | undefined }>(p: T): T => {
  if (p.pid !== undefined) pids.push(p.pid);
  return p;
};

/** The upgrade's HTTP status (101 once the hub's welcome arrived) and the open socket. */
function upgrade(url: string, localAddress = '127.0.0.1'): Promise<{ status: number; ws: WebSocket }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { localAddress });
    ws.once('message', () => resolve({ status: 101, ws }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0, ws });
      res.resume();
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

const connectionsOf = async (hub: HubProcess): Promise<number> =>
  ((await (await fetch(`${hub.httpUrl}/healthz`)).json()) as { connections: number }).connections;

describe('RedisServer', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = track(await RedisServer.start());
  });
  afterAll(() => redis?.stop());

  it('serves SET and GET on its URL through client()', async () => {
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    const client = redis.client();
    await client.set('greeting', 'hello');
    expect(await client.get('greeting')).toBe('hello');
    expect(await client.config('GET', 'save')).toEqual(['save', '']); // no persistence
  });

  it('paused, a PING times out (bounded); resumed, it answers, and a PING queued meanwhile too', async () => {
    const bounded = redis.client({ commandTimeout: 300 });
    expect(await bounded.ping()).toBe('PONG');
    redis.pause();
    try {
      await expect(bounded.ping()).rejects.toThrow('Command timed out');
      // the kernel still accepts the TCP connection of a frozen Redis: only an answer tells it is alive
      expect(await redis.ping(300)).toBe(false);
      const queued = redis.client().ping();
      redis.resume();
      expect(await bounded.ping()).toBe('PONG');
      expect(await queued).toBe('PONG');
    } finally {
      redis.resume();
    }
  });

  it('restartEmpty() keeps the port and URL, loses every key, and a client reconnects by itself', async () => {
    const client = redis.client();
    await client.set('survivor', 'no');
    const { port, pid } = redis;
    await redis.restartEmpty();
    track(redis);
    expect(redis.port).toBe(port);
    expect(redis.pid).not.toBe(pid);
    expect(alive(pid!)).toBe(false);
    expect(await client.get('survivor')).toBeNull(); // same ioredis client, reconnected to the new server
    expect(await client.dbsize()).toBe(0);
  });

  it('refuses a taken port with the reason', async () => {
    await expect(RedisServer.start({ port: redis.port })).rejects.toThrow(/Address already in use/);
  });

  it('kill() crashes it, restartEmpty() revives it, stop() is idempotent and leaves nothing', async () => {
    expect(await redis.kill()).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await redis.ping()).toBe(false);
    await redis.restartEmpty();
    track(redis);
    expect(await redis.ping()).toBe(true);
    const pid = redis.pid!;
    await redis.stop();
    await redis.stop();
    expect(alive(pid)).toBe(false);
    expect(existsSync(redis.dir)).toBe(false);
  });
});

describe('HubProcess', () => {
  const hubs: HubProcess[] = [];
  afterAll(() => Promise.all(hubs.map((h) => h.kill())));

  it('starts hubs side by side; SIGKILL reports the signal and takes the server peer along; SIGTERM exits 0', async () => {
    const start = async (args: string[]) => {
      const hub = track(await HubProcess.start(args));
      hubs.push(hub);
      return hub;
    };
    const [plain, withPeer] = await Promise.all([start(['--no-server-peer']), start([])]);
    expect(plain.port).not.toBe(withPeer.port);
    await withPeer.logged('"server peer started"');
    const line = withPeer.log.split('\n').find((l) => l.includes('"server peer started"'))!;
    const serverPeer = (JSON.parse(line) as { pid: number }).pid; // the child's pid (pino keeps the last)
    expect(serverPeer).not.toBe(withPeer.pid);
    expect(alive(serverPeer)).toBe(true);
    pids.push(serverPeer);

    expect(await withPeer.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    // left alone, the orphan would notice its hub gone only after its reconnect fails (about a second)
    await poll(() => (alive(serverPeer) ? undefined : true), () => `server peer ${serverPeer} outlived its hub`, 200, 10);
    expect(await plain.kill('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(await plain.kill('SIGKILL')).toEqual({ code: 0, signal: null }); // idempotent: how it ended
    expect(await withPeer.ended).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('fails to start with the hub\'s own message', async () => {
    await expect(HubProcess.start(['--no-such-option'])).rejects.toThrow(/unknown option --no-such-option/);
  });
});

describe('HAProxy in front of two hubs (HubCluster, no Redis bus)', () => {
  let cluster: HubCluster;
  let haproxy: Haproxy;
  const sockets: WebSocket[] = [];
  beforeAll(async () => {
    cluster = await HubCluster.start({
      hubs: 2,
      loadBalancer: true,
      // today's hubs have no --redis-url: these two share nothing, which is all a load balancer test needs
      redisArgs: () => [],
      // one socket per client address: a second from one address shows the hub saw the client's address
      hubArgs: ['--no-server-peer', '--max-connections-per-address', '1'],
    });
    haproxy = cluster.haproxy!;
    for (const p of [cluster.redis, haproxy, ...cluster.hubs]) track(p);
  });
  afterAll(async () => {
    for (const ws of sockets) ws.terminate();
    await cluster?.close();
  });

  it('checks each hub\'s /readyz and gets 200', async () => {
    const servers = await haproxy.servers();
    expect(Object.keys(servers)).toEqual(['hub-0', 'hub-1']);
    for (const s of Object.values(servers)) expect(s).toMatchObject({ status: 'UP', checkStatus: 'L7OK', checkCode: '200' });
    expect(haproxy.configFile).toMatch(/haproxy\.cfg$/);
  });

  it('spreads WebSockets round robin over both hubs', async () => {
    const opened = await Promise.all(Array.from({ length: 6 }, (_, i) => upgrade(haproxy.url('/ws'), `127.0.0.${10 + i}`)));
    sockets.push(...opened.map((o) => o.ws));
    expect(opened.map((o) => o.status)).toEqual([101, 101, 101, 101, 101, 101]);
    expect(await Promise.all(cluster.hubs.map(connectionsOf))).toEqual([3, 3]);
  });

  it('passes the client address in X-Forwarded-For (hubs trust 127.0.0.1): per-address limits hold behind it', async () => {
    // 127.0.0.10 already holds one socket on one of the hubs; round robin sends the next two to both
    const again = [await upgrade(haproxy.url('/ws'), '127.0.0.10'), await upgrade(haproxy.url('/ws'), '127.0.0.10')];
    sockets.push(...again.map((o) => o.ws));
    expect(again.map((o) => o.status).sort()).toEqual([101, 429]);
  });

  it('a hub killed with SIGKILL: its clients are cut, new clients reach the survivor through the same URL, and it leaves rotation', async () => {
    const [before, onDead] = await Promise.all(cluster.hubs.map(connectionsOf));
    const open = sockets.filter((ws) => ws.readyState === WebSocket.OPEN);
    const codes: number[] = [];
    for (const ws of open) ws.once('close', (code) => codes.push(code));
    expect(await cluster.hubs[1]!.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    // haproxy cuts the client side of the killed hub's tunnels: no close frame, 1006; the others stay
    await poll(() => (codes.length === onDead ? true : undefined), () => `closed: ${codes.length} of ${onDead}`, 2_000);
    expect(codes).toEqual(Array(onDead).fill(1006));
    expect(open.filter((ws) => ws.readyState === WebSocket.OPEN)).toHaveLength(before!);

    // at once, before the checks may have noticed: a connect to the dead hub is retried on the survivor
    const fresh = [];
    for (let i = 0; i < 6; i++) fresh.push(await upgrade(haproxy.url('/ws'), `127.0.0.${30 + i}`));
    sockets.push(...fresh.map((o) => o.ws));
    expect(fresh.map((o) => o.status)).toEqual([101, 101, 101, 101, 101, 101]);
    expect(await connectionsOf(cluster.hubs[0]!)).toBe(before! + 6);
    expect(await haproxy.untilServer('hub-1', 'DOWN', 3_000)).toMatchObject({ checkStatus: 'L4CON' });
  });

  it('restartHub() brings a hub back on its port, and the checks put it back in rotation', async () => {
    const hub = track(await cluster.restartHub(1));
    await haproxy.untilServer('hub-1', 'UP', 3_000);
    const opened = [await upgrade(haproxy.url('/ws'), '127.0.0.50'), await upgrade(haproxy.url('/ws'), '127.0.0.51')];
    sockets.push(...opened.map((o) => o.ws));
    expect(opened.map((o) => o.status)).toEqual([101, 101]);
    expect(await connectionsOf(hub)).toBe(1);
  });

  it('close() ends the load balancer, the hubs and its own Redis', async () => {
    const all = [cluster.redis.pid!, haproxy.pid!, ...cluster.hubs.map((h) => h.pid)];
    await cluster.close();
    await cluster.close();
    expect(all.filter(alive)).toEqual([]);
  });
});

describe('Haproxy: what its options change', () => {
  let hub: HubProcess;
  beforeAll(async () => {
    hub = track(await HubProcess.start(['--no-server-peer']));
  });
  afterAll(() => hub?.kill());

  it('a health path that does not answer 200 takes the hub out: 404 seen, and clients get 503', async () => {
    const haproxy = track(await Haproxy.start({ backends: [{ name: 'only', port: hub.port }], healthPath: '/no-such-page' }));
    try {
      expect(await haproxy.untilServer('only', 'DOWN', 3_000)).toMatchObject({ checkStatus: 'L7STS', checkCode: '404' });
      expect((await upgrade(haproxy.url('/ws'))).status).toBe(503);
      expect(haproxy.log).toMatch(/Server hubs\/only is DOWN/);
    } finally {
      await haproxy.stop();
    }
  });

  it('without checks a dead backend stays in rotation: redispatch retries on the live one; without it, 503 after ~3 s', async () => {
    const backends = [{ name: 'dead', port: await freePort() }, { name: 'live', port: hub.port }];
    const withRedispatch = track(await Haproxy.start({ backends }));
    const without = track(await Haproxy.start({ backends, redispatch: false }));
    try {
      const saved = [];
      for (let i = 0; i < 4; i++) saved.push(await upgrade(withRedispatch.url('/ws')));
      for (const o of saved) o.ws.terminate();
      expect(saved.map((o) => o.status)).toEqual([101, 101, 101, 101]);
      // every connect tried the dead one first: the redispatch used up the live one's turn
      expect((await withRedispatch.servers()).dead).toMatchObject({ status: 'no check', sessionsTotal: 4 });

      // retries 3 on the same dead hub, one second apart (min of timeout connect and 1 s), then 503
      const plain = [await upgrade(without.url('/ws')), await upgrade(without.url('/ws'))];
      for (const o of plain) o.ws.terminate();
      expect(plain.map((o) => o.status).sort()).toEqual([101, 503]);
    } finally {
      await withRedispatch.stop();
      await without.stop();
    }
  });

  it('counts a server UP before its first check: a dead one gets its turn until checked, and redispatch covers it', async () => {
    // haproxy spaces the first checks over the interval by position: the second of two waits inter/2 (5 s)
    const backends = [{ name: 'live', port: hub.port }, { name: 'dead', port: await freePort() }];
    const haproxy = track(await Haproxy.start({ backends, healthPath: '/readyz', checkIntervalMs: 10_000 }));
    try {
      expect((await haproxy.servers()).dead).toMatchObject({ status: 'UP 1/2', checkStatus: 'INI' });
      const opened = [await upgrade(haproxy.url('/ws')), await upgrade(haproxy.url('/ws'))];
      for (const o of opened) o.ws.terminate();
      expect(opened.map((o) => o.status)).toEqual([101, 101]);
      expect((await haproxy.servers()).dead).toMatchObject({ status: 'UP 1/2', checkStatus: 'INI' });
      expect((await haproxy.servers()).dead!.sessionsTotal).toBeGreaterThan(0);
    } finally {
      await haproxy.stop();
    }
  });

  it('refuses a config haproxy rejects, with haproxy\'s words', async () => {
    await expect(Haproxy.start({ backends: [{ name: 'bad name', port: hub.port }] })).rejects.toThrow(/haproxy rejects its config[^]*ALERT/);
  });
});

describe('cleanup', () => {
  it('left no process of this file running', async () => {
    await poll(() => (pids.some(alive) ? undefined : true), () => `still running: ${pids.filter(alive).join(', ')}`, 2_000);
  });
});

/**
 * Several `roomwire hub` processes on one real Redis, optionally behind a real HAProxy (round robin,
 * /readyz checks), as an operator runs them; close() ends every process it started.
 */
import { Haproxy } from './haproxy.ts';
import { HubProcess } from './hub-process.ts';
import { RedisServer } from './redis-server.ts';

export interface HubClusterOptions {
  /** How many hubs (default 3). */
  hubs?: number;
  /** A Redis to use (the caller stops it); default: one started here and stopped by close(). */
  redis?: RedisServer;
  /** What every hub gets besides the Redis args; a function for per-hub args (index from 0). */
  hubArgs?: string[] | ((index: number) => string[]);
  /** How a hub is told where Redis is (default `--redis-url <url>`). */
  redisArgs?: (url: string) => string[];
  /** An HAProxy in front of the hubs, checking /readyz (default false). */
  loadBalancer?: boolean;
}

export class HubCluster {
  /** The load balancer, with loadBalancer: true (its servers are named hub-0, hub-1, ...). */
  haproxy: Haproxy | undefined;
  private closed = false;

  private constructor(readonly redis: RedisServer, private readonly ownsRedis: boolean, readonly hubs: HubProcess[]) {}

  /**
   * Starts Redis, then the hubs side by side, then the load balancer, and resolves once its checks found
   * every hub ready; on any failure, ends what started.
   */
  static async start(o: HubClusterOptions = {}): Promise<HubCluster> {
    const redis = o.redis ?? (await RedisServer.start());
    const count = o.hubs ?? 3;
    const argsOf = (i: number) => [
      // the hub's name in logs, metrics and the admin API: hub-0, hub-1, ...
      '--node-id', `hub-${i}`,
      // behind the load balancer every client arrives from 127.0.0.1: believe its X-Forwarded-For
      ...(o.loadBalancer ? ['--trusted-proxies', '127.0.0.1'] : []),
      ...(o.redisArgs ?? ((url: string) => ['--redis-url', url]))(redis.url),
      ...(typeof o.hubArgs === 'function' ? o.hubArgs(i) : o.hubArgs ?? []),
    ];
    const started = await Promise.allSettled(Array.from({ length: count }, (_, i) => HubProcess.start(argsOf(i))));
    const hubs = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const cluster = new HubCluster(redis, o.redis === undefined, hubs);
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    try {
      if (failed !== undefined) throw failed.reason;
      if (!o.loadBalancer) return cluster;
      const haproxy = await Haproxy.start({ backends: hubs.map((h, i) => ({ name: `hub-${i}`, port: h.port })), healthPath: '/readyz' });
      cluster.haproxy = haproxy;
      // haproxy counts a server UP before its first check ("UP 1/2", INI): wait for a real 200 from each
      await Promise.all(hubs.map((_, i) => haproxy.untilServer(`hub-${i}`, 'UP')));
      return cluster;
    } catch (err) {
      await cluster.close();
      throw err;
    }
  }

  /** Where clients connect: the load balancer's /ws, or the first hub's without one. */
  get url(): string {
    return this.haproxy?.url('/ws') ?? this.hubs[0]!.url;
  }

  /**
   * Starts hub `index` again (after a kill) with its own args on its own port, so that the load
   * balancer's backend comes back; the port may in rare cases have been taken meanwhile (an error says so).
   */
  async restartHub(index: number): Promise<HubProcess> {
    const old = this.hubs[index];
    if (old === undefined) throw new Error(`no hub ${index}`);
    await old.kill();
    const hub = await HubProcess.start([...old.args, '--port', String(old.port)]);
    this.hubs[index] = hub;
    return hub;
  }

  /** Ends the load balancer, every hub (SIGKILL: a test's end needs no drain) and an own Redis. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.haproxy?.stop();
    await Promise.all(this.hubs.map((h) => h.kill('SIGKILL')));
    if (this.ownsRedis) await this.redis.stop();
  }
}

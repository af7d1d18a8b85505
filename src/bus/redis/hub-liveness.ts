/**
 * A hub's life in Redis: it announces itself with a key that expires after hubTtlMs and renews it every
 * fifth of that; it watches Redis's health and its data (an `epoch` key: a Redis that restarted empty has
 * none, or another); and it ends the sessions of dead hubs.
 *
 * - Redis unreachable (a command failed or timed out): the hub is `down` until a renewal succeeds; then it
 *   writes back what it holds (a command that timed out may have run later, or not at all).
 * - Redis lost its data (the epoch changed): the same, and every room copy is read again.
 * - Another hub's key missing: after resumeGraceMs more of missing it (its clients had that long to resume
 *   on other hubs), one surviving hub (a lock) takes its remaining sessions out of their rooms, as
 *   departures with reason `disconnected`. Bound: hubTtlMs + one renewal period + resumeGraceMs + the sweep.
 *   After this hub itself was cut off from Redis, it waits one hubTtlMs before judging others: they could
 *   not renew either.
 */
import { randomUUID } from 'node:crypto';
import type { Redis as RedisClient } from 'ioredis';
import type { BusLogger } from './redis-bus.ts';
import type { RedisNames } from './redis-scripts.ts';

export interface ClusterRepair {
  /** The bus hears its channels: until then the hub stays down (what it reads again could be missed). */
  listening(): boolean;
  reregister(lostData: boolean): Promise<void>;
  reap(peerId: string, deadHub: string): Promise<void>;
  /** Removes what a dead hub still counts in Redis (its per-address counts), once its sessions are reaped. */
  forgetHub(deadHub: string): Promise<void>;
}

export interface LivenessOptions {
  hubTtlMs: number;
  resumeGraceMs: number;
}

/** How long the reaper of a dead hub holds its lock (another hub takes over if it dies meanwhile). */
const REAP_LOCK_MS = 60_000;

export class HubLiveness {
  up = false;
  /** Other hubs alive at the last sweep. */
  otherHubs = 0;
  private epoch: string | undefined;
  /** Redis was seen to have lost its data, and this hub has not written back what it holds yet. */
  private lostData = false;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** Other hubs whose key this hub found missing, and since when (ms). */
  private readonly missingSince = new Map<string, number>();
  private quietUntil = 0;
  private closed = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly names: RedisNames,
    private readonly hubId: string,
    private readonly options: LivenessOptions,
    private readonly logger: BusLogger,
    private readonly repair: ClusterRepair,
  ) {
    redis.on('close', () => this.markDown('connection closed'));
    redis.on('ready', () => void this.tick());
  }

  get periodMs(): number {
    return Math.max(100, Math.floor(this.options.hubTtlMs / 5));
  }

  async start(): Promise<void> {
    await this.running; // a renewal the connection's 'ready' started, perhaps before the bus heard its channels
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.periodMs);
    this.timer.unref();
  }

  /** Throws while Redis is down: what needs Redis fails at once (internal-error) instead of waiting. */
  ensureUp(): void {
    if (!this.up) throw new Error('redis is unreachable');
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.running;
    // Gone at once for the others: a client resuming elsewhere does not wait for a handover from us.
    if (this.up) await this.redis.del(this.names.hub(this.hubId)).catch(() => {});
  }

  private tick(): Promise<void> {
    this.running ??= this.renew().finally(() => (this.running = undefined));
    return this.running;
  }

  private async renew(): Promise<void> {
    if (this.closed) return;
    try {
      const [, , epochRead] = (await this.redis.pipeline()
        .set(this.names.hub(this.hubId), '1', 'PX', this.options.hubTtlMs)
        .sadd(this.names.hubs, this.hubId)
        .get(this.names.epoch)
        .exec()) ?? [];
      let epoch = epochRead?.[1] as string | null;
      if (epoch === null) {
        await this.redis.set(this.names.epoch, randomUUID(), 'NX');
        epoch = await this.redis.get(this.names.epoch);
      }
      // Remembered until a write-back succeeds: a renewal that fails after reading the new epoch must not
      // make the next one take an emptied Redis for one that merely blinked.
      if (this.epoch !== undefined && epoch !== this.epoch) this.lostData = true;
      this.epoch = epoch ?? undefined;
      if (!this.up || this.lostData) {
        if (!this.repair.listening()) throw new Error('subscriber connection not back yet');
        if (this.lostData) this.logger.warn({}, 'redis lost its data: writing back the sessions and rooms of this hub');
        await this.repair.reregister(this.lostData);
        this.lostData = false;
        if (this.quietUntil !== 0) this.logger.info({}, 'redis reachable again');
        this.up = true;
        this.quietUntil = Date.now() + this.options.hubTtlMs;
      }
      await this.sweep();
    } catch (err) {
      this.markDown((err as Error).message);
    }
  }

  /** Redis failed a command (or did not answer in time): down until a renewal answers, which writes back what this hub holds. */
  markDown(why: string): void {
    if (!this.up || this.closed) return;
    this.up = false;
    this.logger.warn({ why }, 'redis unreachable: refusing what needs it until it answers again');
  }

  /** Finds hubs whose key expired, and ends their sessions once they have been gone long enough. */
  private async sweep(): Promise<void> {
    const others = (await this.redis.smembers(this.names.hubs)).filter((id) => id !== this.hubId);
    for (const id of this.missingSince.keys()) if (!others.includes(id)) this.missingSince.delete(id);
    if (others.length === 0) {
      this.otherHubs = 0;
      return;
    }
    const alive = await this.redis.mget(others.map((id) => this.names.hub(id)));
    this.otherHubs = alive.filter((a) => a !== null).length;
    const now = Date.now();
    for (const [i, id] of others.entries()) {
      if (alive[i] !== null) {
        this.missingSince.delete(id);
        continue;
      }
      const since = this.missingSince.get(id) ?? now;
      this.missingSince.set(id, since);
      if (now >= this.quietUntil && now - since >= this.options.resumeGraceMs) await this.reapHub(id);
    }
  }

  private async reapHub(deadHub: string): Promise<void> {
    const locked = await this.redis.set(this.names.reaping(deadHub), this.hubId, 'PX', REAP_LOCK_MS, 'NX');
    if (locked === null) return; // another hub is at it
    try {
      const peers = await this.redis.smembers(this.names.hubSessions(deadHub));
      this.logger.warn({ deadHub, sessions: peers.length }, 'a hub is gone: ending its sessions that did not resume elsewhere');
      for (const peerId of peers) await this.repair.reap(peerId, deadHub);
      if ((await this.redis.exists(this.names.hub(deadHub))) === 0) {
        await this.repair.forgetHub(deadHub);
        await this.redis.pipeline().srem(this.names.hubs, deadHub).del(this.names.hubSessions(deadHub)).exec();
      }
      this.missingSince.delete(deadHub);
    } finally {
      // A reaper that failed half-way lets another hub (or itself, next sweep) finish at once, not in 60 s.
      if ((await this.redis.get(this.names.reaping(deadHub)).catch(() => null)) === this.hubId) await this.redis.del(this.names.reaping(deadHub)).catch(() => {});
    }
  }
}

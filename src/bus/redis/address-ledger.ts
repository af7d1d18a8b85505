/**
 * The per-address limits across the hubs sharing one Redis: each hub's open WebSockets and sessions per
 * client address, in the keys address-scripts.ts lists. A hub writes only its own fields, and they mirror
 * its tally here (what it holds, and the takes on their way), so that whatever Redis missed (a write that
 * failed, an outage, a Redis that restarted empty) is made right by writing the tally back (`sync`).
 *
 * Store failures fail open: a take that errors counts as taken. The hub checked its own count against the
 * same limit before asking (so the limit still holds per hub), and the place reaches Redis at the next sync.
 * While Redis is down the hub refuses upgrades (503) before any take anyway; this covers the moments
 * before it notices.
 */
import type { Redis as RedisClient } from 'ioredis';
import type { AddressCounter, AddressLedger, SharedRateStore } from '../room-bus.ts';
import { ADDRESS_FORGET_HUB, ADDRESS_RELEASE, ADDRESS_SYNC, ADDRESS_TAKE } from './address-scripts.ts';
import type { BusLogger } from './redis-bus.ts';
import type { RedisNames } from './redis-scripts.ts';

type Scripted = RedisClient & {
  rwAddrTake(...args: (string | number)[]): Promise<number>;
  rwAddrRelease(...args: string[]): Promise<number>;
  rwAddrSync(...args: (string | number)[]): Promise<number>;
  rwAddrForgetHub(...args: string[]): Promise<number>;
};

/** The counter's letter in a field name (`c:<hubId>`, `s:<hubId>`). */
const FIELD: Record<AddressCounter, string> = { connections: 'c', sessions: 's' };

/** After a failed write, how soon the hub writes its whole tally back (ms); again and again until it works. */
const SYNC_RETRY_MS = 1_000;

export class RedisAddressLedger implements AddressLedger {
  readonly rateStore: SharedRateStore;
  private readonly redis: Scripted;
  /** address -> this hub's places: open WebSockets, sessions. */
  private readonly tally = new Map<string, { connections: number; sessions: number }>();
  /** Syncs sent so far: a take refused after a sync that counted it must take it out again. */
  private syncs = 0;
  private retry: NodeJS.Timeout | undefined;
  /** A write failed since the last sync that worked. */
  private dirty = false;
  private closed = false;

  constructor(redis: RedisClient, private readonly names: RedisNames, private readonly hubId: string, private readonly logger: BusLogger) {
    this.redis = redis as Scripted;
    for (const [name, lua] of [['rwAddrTake', ADDRESS_TAKE], ['rwAddrRelease', ADDRESS_RELEASE], ['rwAddrSync', ADDRESS_SYNC], ['rwAddrForgetHub', ADDRESS_FORGET_HUB]] as const) {
      redis.defineCommand(name, { numberOfKeys: 0, lua });
    }
    this.rateStore = { storeClient: redis, keyPrefix: `${names.prefix}rate:` };
  }

  async take(counter: AddressCounter, address: string, max: number): Promise<boolean> {
    const syncsBefore = this.syncs;
    this.count(address, counter, 1); // before the script: a sync sent meanwhile writes it (Redis runs them in order)
    let taken: boolean;
    try {
      taken = (await this.redis.rwAddrTake(this.names.prefix, address, FIELD[counter], this.hubId, max)) === 1;
    } catch (err) {
      this.failed(err as Error);
      return true; // fail open: see above
    }
    if (!taken) {
      this.count(address, counter, -1);
      // A sync sent after the take ran wrote this place with the others: take it out again.
      if (this.syncs !== syncsBefore) this.write(this.redis.rwAddrRelease(this.names.prefix, address, FIELD[counter], this.hubId));
    }
    return taken;
  }

  add(counter: AddressCounter, address: string): void {
    this.count(address, counter, 1);
    this.write(this.redis.rwAddrTake(this.names.prefix, address, FIELD[counter], this.hubId, -1));
  }

  release(counter: AddressCounter, address: string): void {
    this.count(address, counter, -1);
    this.write(this.redis.rwAddrRelease(this.names.prefix, address, FIELD[counter], this.hubId));
  }

  /** Writes this hub's tally over its fields in Redis (after an outage, a lost Redis, or a failed write). */
  async sync(): Promise<void> {
    clearTimeout(this.retry);
    this.retry = undefined;
    this.syncs++;
    const args: (string | number)[] = [this.names.prefix, this.hubId];
    for (const [address, { connections, sessions }] of this.tally) args.push(address, connections, sessions);
    await this.redis.rwAddrSync(...args);
    this.dirty = false;
  }

  /** Removes a dead hub's fields (the liveness reaper): its sockets are gone, its sessions ended or moved. */
  async forgetHub(deadHub: string): Promise<void> {
    await this.redis.rwAddrForgetHub(this.names.prefix, deadHub);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retry);
  }

  private count(address: string, counter: AddressCounter, delta: number): void {
    let mine = this.tally.get(address);
    if (mine === undefined) this.tally.set(address, (mine = { connections: 0, sessions: 0 }));
    mine[counter] = Math.max(0, mine[counter] + delta);
    if (mine.connections === 0 && mine.sessions === 0) this.tally.delete(address);
  }

  private write(done: Promise<number>): void {
    done.catch((err: Error) => this.failed(err));
  }

  /** A write did not reach Redis (or may not have): the whole tally goes back once Redis answers. */
  private failed(err: Error): void {
    if (this.closed) return;
    if (!this.dirty) this.logger.warn({ err: err.message }, 'redis: per-address counts not written; writing them back when redis answers');
    this.dirty = true;
    if (this.retry !== undefined) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.sync().catch((again: Error) => this.failed(again));
    }, SYNC_RETRY_MS);
    this.retry.unref();
  }
}

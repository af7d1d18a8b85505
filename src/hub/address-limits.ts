/**
 * Limits per client address (a key from client-address.ts): open WebSockets, and the rates of new
 * connections and of joins. Alone, a hub counts the rates in its memory (memory-rate.ts: forgets an
 * address once its window has passed, so memory stays bounded by the addresses active in the last window)
 * and answers at once.
 *
 * Each rate is a sustained limit per second plus a burst: `perSecond` get through in any second, and then
 * up to `burst` more within a window of burst/perSecond seconds.
 *
 * Several hubs (the bus has an address ledger, see share()): the rates count in Redis with
 * rate-limiter-flexible (`BurstyRateLimiter` over `RateLimiterRedis`, the same arithmetic), each part
 * insured by a `RateLimiterMemory` twin, so that while Redis fails each hub still holds the limits on its
 * own; and open WebSockets are counted across the hubs too (a place taken before the upgrade, given back
 * when its socket closes), after the same check against this hub's own count.
 */
import type { Duplex } from 'node:stream';
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { AddressLedger, SharedRateStore } from '../bus/room-bus.ts';
import { MemoryRate } from './memory-rate.ts';

export interface AddressLimitOptions {
  maxConnectionsPerAddress: number;
  connectionsPerSecondPerAddress: number;
  connectionBurstPerAddress: number;
  joinsPerSecondPerAddress: number;
  joinBurstPerAddress: number;
}

/**
 * `local`'s rate counted in the shared store under `${store.keyPrefix}${name}:<address>` (and `name-burst`),
 * each part insured by a memory twin: a store error consumes from the twin instead. Redis windows are
 * whole seconds (its expiry's unit), so the burst window is rounded up: never more lenient than in memory.
 */
function sharedRate(store: SharedRateStore, name: string, local: MemoryRate): BurstyRateLimiter {
  const part = (suffix: string, points: number, durationMs: number) => new RateLimiterRedis({
    storeClient: store.storeClient,
    keyPrefix: `${store.keyPrefix}${name}${suffix}`,
    points,
    duration: Math.max(1, Math.ceil(durationMs / 1_000)),
    insuranceLimiter: new RateLimiterMemory({ points, duration: Math.max(1, durationMs / 1_000) }),
    rejectIfRedisNotReady: true, // a disconnected client goes to the insurance at once, not after a timeout
  });
  return new BurstyRateLimiter(part('', local.steady.points, local.steady.durationMs), part('-burst', local.burst.points, local.burst.durationMs));
}

/** Resolves true when `key` may spend one point now. Store failures let the request through (fail open). */
async function allowShared(limiter: BurstyRateLimiter, key: string): Promise<boolean> {
  try {
    await limiter.consume(key);
    return true;
  } catch (refusal) {
    return !(refusal instanceof RateLimiterRes);
  }
}

/** Open WebSockets of one address key, and the key's one string that every connection of it shares. */
interface OpenCount {
  key: string;
  count: number;
}

export class AddressLimits {
  private readonly open = new Map<string, OpenCount>();
  private readonly connects: MemoryRate;
  private readonly joins: MemoryRate;
  /** Set by share(): the rates counted across the hubs sharing one Redis. */
  private shared: { connects: BurstyRateLimiter; joins: BurstyRateLimiter } | undefined;
  /** Set by share(): the counts of the hubs sharing one Redis. */
  private ledger: AddressLedger | undefined;

  constructor(private readonly options: AddressLimitOptions) {
    this.connects = new MemoryRate(options.connectionsPerSecondPerAddress, options.connectionBurstPerAddress);
    this.joins = new MemoryRate(options.joinsPerSecondPerAddress, options.joinBurstPerAddress);
  }

  /** Several hubs: from now on the rates and the open WebSockets count across them (the bus's ledger). */
  share(ledger: AddressLedger): void {
    this.ledger = ledger;
    this.shared = {
      connects: sharedRate(ledger.rateStore, 'connect', this.connects),
      joins: sharedRate(ledger.rateStore, 'join', this.joins),
    };
  }

  /** Whether `key` may open a connection now: at once alone, a promise with several hubs. */
  allowConnect(key: string): boolean | Promise<boolean> {
    return this.shared === undefined ? this.connects.allow(key) : allowShared(this.shared.connects, key);
  }

  /** Whether `key` may join a room now: at once alone, a promise with several hubs. */
  allowJoin(key: string): boolean | Promise<boolean> {
    return this.shared === undefined ? this.joins.allow(key) : allowShared(this.shared.joins, key);
  }

  /** Whether `key` may open one more WebSocket (on this hub: see takeShared for several). */
  hasRoomFor(key: string): boolean {
    return (this.open.get(key)?.count ?? 0) < this.options.maxConnectionsPerAddress;
  }

  /**
   * Several hubs (after hasRoomFor): takes one of `key`'s open-WebSocket places across the hubs for
   * `socket`, given back when it closes, whether or not it was ever upgraded. False when all are taken.
   */
  async takeShared(key: string, socket: Duplex): Promise<boolean> {
    const ledger = this.ledger!;
    let taken = false;
    let closed = false;
    socket.once('close', () => {
      closed = true;
      if (taken) ledger.release('connections', key);
    });
    taken = await ledger.take('connections', key, this.options.maxConnectionsPerAddress);
    if (taken && closed) ledger.release('connections', key); // the client went away while Redis answered
    return taken;
  }

  /**
   * A WebSocket of `key` is open. Returns the key as the string already held for the address, if any:
   * each upgrade computes its own copy, and a connection and its session keep it as long as they live.
   */
  opened(key: string): string {
    const open = this.open.get(key);
    if (open === undefined) {
      this.open.set(key, { key, count: 1 });
      return key;
    }
    open.count++;
    return open.key;
  }

  closed(key: string): void {
    const open = this.open.get(key);
    if (open === undefined) return;
    if (--open.count <= 0) this.open.delete(key);
  }
}

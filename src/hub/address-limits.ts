/**
 * Limits per client address (a key from client-address.ts): open WebSockets, and the rates of new
 * connections and of joins. Rates use rate-limiter-flexible, whose memory store forgets an address once its
 * window has passed (memory stays bounded by the addresses active in the last window) and which has a Redis
 * store with the same interface for when several hubs share the limits.
 *
 * Each rate is a sustained limit per second plus a burst: `BurstyRateLimiter` lets `perSecond` through in
 * any second, and then up to `burst` more within a window of burst/perSecond seconds.
 */
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

export interface AddressLimitOptions {
  maxConnectionsPerAddress: number;
  connectionsPerSecondPerAddress: number;
  connectionBurstPerAddress: number;
  joinsPerSecondPerAddress: number;
  joinBurstPerAddress: number;
}

function rate(perSecond: number, burst: number): BurstyRateLimiter {
  return new BurstyRateLimiter(
    new RateLimiterMemory({ points: perSecond, duration: 1 }),
    new RateLimiterMemory({ keyPrefix: 'burst', points: burst, duration: Math.max(1, burst / perSecond) }),
  );
}

/** Resolves true when `key` may spend one point now. Store failures let the request through (fail open). */
async function allow(limiter: BurstyRateLimiter, key: string): Promise<boolean> {
  try {
    await limiter.consume(key);
    return true;
  } catch (refusal) {
    return !(refusal instanceof RateLimiterRes);
  }
}

export class AddressLimits {
  private readonly open = new Map<string, number>();
  private readonly connects: BurstyRateLimiter;
  private readonly joins: BurstyRateLimiter;

  constructor(private readonly options: AddressLimitOptions) {
    this.connects = rate(options.connectionsPerSecondPerAddress, options.connectionBurstPerAddress);
    this.joins = rate(options.joinsPerSecondPerAddress, options.joinBurstPerAddress);
  }

  allowConnect(key: string): Promise<boolean> {
    return allow(this.connects, key);
  }

  allowJoin(key: string): Promise<boolean> {
    return allow(this.joins, key);
  }

  /** Whether `key` may open one more WebSocket. */
  hasRoomFor(key: string): boolean {
    return (this.open.get(key) ?? 0) < this.options.maxConnectionsPerAddress;
  }

  opened(key: string): void {
    this.open.set(key, (this.open.get(key) ?? 0) + 1);
  }

  closed(key: string): void {
    const n = (this.open.get(key) ?? 0) - 1;
    if (n <= 0) this.open.delete(key);
    else this.open.set(key, n);
  }
}

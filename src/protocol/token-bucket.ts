/**
 * A token bucket: `capacity` tokens, refilled at `ratePerSecond`. take(cost) spends `cost` tokens (one by
 * default: a message; or a frame's size, for a byte budget) if there are that many.
 * The hub limits each connection with it; clients pace themselves with the same one under the limits the
 * hub announces. The clock is injectable so tests need not sleep.
 */
/** The default clock, one function for every bucket (a closure each would cost every connection). */
const performanceNow = (): number => performance.now();

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly capacity: number,
    private readonly now: () => number = performanceNow,
  ) {
    this.tokens = capacity;
    this.last = now();
  }

  /** The most one take() can ever spend. */
  get capacityTokens(): number {
    return this.capacity;
  }

  /** `at`: the clock's reading, when the caller already has one (the hub reads it once per frame). */
  take(cost = 1, at = this.now()): boolean {
    this.refill(at);
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }

  /** Whether the bucket has refilled to its capacity by `at` (it is then no different from a new one). */
  isFull(at = this.now()): boolean {
    return this.tokens + ((at - this.last) * this.ratePerSecond) / 1000 >= this.capacity;
  }

  /** ms until take(cost) can succeed (0 if it can now; Infinity if cost exceeds the capacity). */
  msUntilNext(cost = 1): number {
    if (cost > this.capacity) return Infinity;
    this.refill(this.now());
    return this.tokens >= cost ? 0 : Math.ceil(((cost - this.tokens) * 1000) / this.ratePerSecond);
  }

  private refill(now: number): void {
    // ms -> tokens: elapsed ms * (tokens per second / 1000 ms)
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) * this.ratePerSecond) / 1000);
    this.last = now;
  }
}

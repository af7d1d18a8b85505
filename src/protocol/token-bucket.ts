/**
 * A token bucket: `capacity` tokens, refilled at `ratePerSecond`. take() spends one if there is one.
 * The hub limits each connection with it; clients pace themselves with the same one under the limits the
 * hub announces. The clock is injectable so tests need not sleep.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly capacity: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = capacity;
    this.last = now();
  }

  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** ms until take() can succeed (0 if it can now). */
  msUntilNext(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSecond);
  }

  private refill(): void {
    const now = this.now();
    // ms -> tokens: elapsed ms * (tokens per second / 1000 ms)
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) * this.ratePerSecond) / 1000);
    this.last = now;
  }
}

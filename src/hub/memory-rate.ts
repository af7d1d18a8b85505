/**
 * A sustained rate and its burst per key, counted in this process's memory and answered synchronously:
 * the same arithmetic as rate-limiter-flexible's `BurstyRateLimiter` over two `RateLimiterMemory`s
 * (which address-limits.ts used alone before), without their promises and result objects: a new
 * connection and a join each ask it once, and their promise chains were a visible part of a connection's
 * CPU time (measured with --cpu-prof).
 *
 * Each part is a fixed window per key: the first point opens a window of `durationMs`, every point in it
 * counts (refused ones too), and a key may spend while its count is at most `points`. A key is forgotten
 * when its window has passed, so memory stays bounded by the keys active in the last window.
 */

interface Window {
  count: number;
  /** Date.now() when the window ends, ms. */
  endsAt: number;
  timer: NodeJS.Timeout;
}

class FixedWindows {
  private readonly windows = new Map<string, Window>();

  constructor(readonly points: number, readonly durationMs: number) {}

  /** Counts one point for `key`; true while the window's count is within `points`. */
  spend(key: string): boolean {
    const now = Date.now();
    let window = this.windows.get(key);
    if (window !== undefined && window.endsAt > now) {
      window.count++;
    } else {
      if (window !== undefined) clearTimeout(window.timer);
      const timer = setTimeout(() => this.windows.delete(key), this.durationMs).unref();
      window = { count: 1, endsAt: now + this.durationMs, timer };
      this.windows.set(key, window);
    }
    return window.count <= this.points;
  }
}

export class MemoryRate {
  /** `perSecond` in windows of 1 s. */
  readonly steady: FixedWindows;
  /** Then `burst` more in windows of burst/perSecond s (at least 1 s), spent only when the steady part refuses. */
  readonly burst: FixedWindows;

  constructor(perSecond: number, burst: number) {
    this.steady = new FixedWindows(perSecond, 1_000);
    this.burst = new FixedWindows(burst, Math.max(1, burst / perSecond) * 1_000);
  }

  /** Whether `key` may spend one point now (it is spent either way, as BurstyRateLimiter does). */
  allow(key: string): boolean {
    return this.steady.spend(key) || this.burst.spend(key);
  }
}

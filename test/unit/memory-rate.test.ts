/**
 * The hub's in-memory per-address rates answer at once, where rate-limiter-flexible answers with promises:
 * the answers must be the library's, step for step (address-limits.ts still uses the library when several
 * hubs share Redis, and docs/operations.md describes the limits by its arithmetic).
 */
import fc from 'fast-check';
import { BurstyRateLimiter, RateLimiterMemory } from 'rate-limiter-flexible';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryRate } from '../../src/hub/memory-rate.ts';

function libraryRate(perSecond: number, burst: number): BurstyRateLimiter {
  return new BurstyRateLimiter(
    new RateLimiterMemory({ points: perSecond, duration: 1 }),
    new RateLimiterMemory({ keyPrefix: 'burst', points: burst, duration: Math.max(1, burst / perSecond) }),
  );
}

async function libraryAllows(limiter: BurstyRateLimiter, key: string): Promise<boolean> {
  try {
    await limiter.consume(key);
    return true;
  } catch {
    return false;
  }
}

describe('MemoryRate', () => {
  beforeEach(() => void vi.useFakeTimers({ now: 1_700_000_000_000 }));
  afterEach(() => void vi.useRealTimers());

  it('lets perSecond through in a second, then the burst, then nothing until a window ends', () => {
    const rate = new MemoryRate(2, 3); // burst window: 1.5 s
    const answers = () => Array.from({ length: 6 }, () => rate.allow('a'));
    expect(answers()).toEqual([true, true, true, true, true, false]);
    expect(rate.allow('b')).toBe(true); // each key counts alone
    vi.advanceTimersByTime(1_000); // the steady window ends, the burst window (1.5 s) does not
    expect(answers()).toEqual([true, true, false, false, false, false]);
    vi.advanceTimersByTime(500);
    expect(answers()).toEqual([true, true, true, false, false, false]);
  });

  it('answers as BurstyRateLimiter over two RateLimiterMemory does, for any spacing of requests', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 1, max: 12 }),
      fc.array(fc.record({ waitMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2_500 })), key: fc.constantFrom('a', 'b') }), { maxLength: 80 }),
      async (perSecond, burst, steps) => {
        const mine = new MemoryRate(perSecond, burst);
        const theirs = libraryRate(perSecond, burst);
        for (const { waitMs, key } of steps) {
          vi.advanceTimersByTime(waitMs);
          expect(mine.allow(key)).toBe(await libraryAllows(theirs, key));
        }
      },
    ), { numRuns: 200 });
  });

  it('forgets a key once its windows have passed', () => {
    const rate = new MemoryRate(1, 4); // burst window: 4 s
    for (let i = 0; i < 5; i++) rate.allow('a');
    const held = () => (rate.steady as unknown as { windows: Map<string, unknown> }).windows.size + (rate.burst as unknown as { windows: Map<string, unknown> }).windows.size;
    expect(held()).toBe(2);
    vi.advanceTimersByTime(1_000);
    expect(held()).toBe(1);
    vi.advanceTimersByTime(3_000);
    expect(held()).toBe(0);
  });
});

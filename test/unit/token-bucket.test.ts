import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../src/protocol/index.ts';

describe('TokenBucket', () => {
  it('allows a burst of `capacity`, then refills at the rate', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 3, () => now);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    now += 100; // 10/s -> one token per 100 ms
    expect([bucket.take(), bucket.take()]).toEqual([true, false]);
    expect(bucket.msUntilNext()).toBe(100);
    now += 40;
    expect(bucket.msUntilNext()).toBe(60);
    now += 10_000; // never more than capacity
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
  });
});

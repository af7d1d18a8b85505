/** A throwing listener is reported, never rethrown: the other listeners run and the caller goes on. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Emitter } from '../../src/client/emitter.ts';

class Source extends Emitter<{ tick: number }> {
  fire(n: number): void {
    this.emit('tick', n);
  }
}

describe('emitter', () => {
  afterEach(() => vi.restoreAllMocks());

  it('logs a throwing listener and runs the rest; nothing is thrown later either', async () => {
    const logged: unknown[][] = [];
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void logged.push(args));
    const source = new Source();
    const got: number[] = [];
    source.on('tick', () => {
      throw new Error('listener bug');
    });
    source.on('tick', (n) => got.push(n));
    expect(() => source.fire(1)).not.toThrow();
    expect(got).toEqual([1]);
    expect(String(logged[0]?.[0])).toContain('a listener of tick threw');
    expect((logged[0]?.[1] as Error).message).toBe('listener bug');
    // the old behaviour rethrew in a microtask (an uncaught error ends a Node process): vitest would fail this test
    await new Promise((r) => setTimeout(r, 10));
  });
});

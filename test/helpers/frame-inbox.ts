/**
 * What a test socket has received and not yet taken, in arrival order, and the waits on it: take() returns
 * the first frame that matches, waiting for one if needed, and fails when the socket closes or time is up.
 */
export class FrameInbox<T> {
  readonly items: T[] = [];
  private waiters: (() => void)[] = [];

  constructor(private readonly isClosed: () => boolean) {}

  push(item: T): void {
    this.items.push(item);
    this.wake();
  }

  /** Wakes every waiter: a frame arrived, or the socket closed. */
  wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  async take<M extends T>(match: (m: T) => m is M, what: string, timeoutMs: number): Promise<M> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.items.findIndex(match);
      if (index !== -1) return this.items.splice(index, 1)[0] as M;
      if (this.isClosed()) throw new Error(`socket closed while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; inbox: ${JSON.stringify(this.items).slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

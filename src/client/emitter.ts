/**
 * A small typed event emitter that runs in the browser and in Node. A throwing listener is reported
 * (listenerFailed), never propagated: not to the emitter's caller, which is often a network handler
 * halfway through a batch, and not as an uncaught error, which would end a Node process.
 */
export class Emitter<Events extends Record<string, unknown>> {
  private readonly listeners = new Map<keyof Events, Set<(value: never) => void>>();

  on<K extends keyof Events>(event: K, listener: (value: Events[K]) => void): () => void {
    let set = this.listeners.get(event);
    if (set === undefined) this.listeners.set(event, (set = new Set()));
    set.add(listener as (value: never) => void);
    return () => this.off(event, listener);
  }

  off<K extends keyof Events>(event: K, listener: (value: Events[K]) => void): void {
    this.listeners.get(event)?.delete(listener as (value: never) => void);
  }

  /** Resolves with the next value of `event` that satisfies `match`. */
  once<K extends keyof Events>(event: K, match: (value: Events[K]) => boolean = () => true): Promise<Events[K]> {
    return new Promise((resolve) => {
      const off = this.on(event, (value) => {
        if (!match(value)) return;
        off();
        resolve(value);
      });
    });
  }

  protected emit<K extends keyof Events>(event: K, value: Events[K]): void {
    const set = this.listeners.get(event);
    if (set === undefined) return;
    for (const listener of [...set]) {
      try {
        (listener as (value: Events[K]) => void)(value);
      } catch (err) {
        this.listenerFailed(String(event), err);
      }
    }
  }

  protected hasListeners(event: keyof Events): boolean {
    return (this.listeners.get(event)?.size ?? 0) > 0;
  }

  /** A listener of `event` threw. Here: a log line; an emitter with an `error` event reports it there. */
  protected listenerFailed(event: string, err: unknown): void {
    console.error(`roomwire: a listener of ${event} threw:`, err);
  }
}

/** The message of anything thrown. */
export function describeThrown(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

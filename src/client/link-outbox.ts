/**
 * The outgoing side of a link: data records (kept by the ReliableSender until acknowledged) and control
 * records (ACK, PING, PONG, FWD: sent ahead of data, never resent), packed into batches and written to
 * whichever path the link uses - its DataChannel (under the high-water mark), the hub relay (paced by
 * the signaling socket), or the server peer (star topology).
 */
import { concat, splitRecords, toBase64 } from './link-wire.ts';
import type { ClientOptions } from './options.ts';
import type { RtcDataChannel } from './rtc.ts';

export type StarSend = 'sent' | 'busy' | 'unavailable';

/** Where batches can go; the link answers for its current state. */
export interface OutboxRoutes {
  readonly options: ClientOptions;
  /** The path to write to now: the DataChannel, the hub relay, the server peer, or none yet. */
  route(): { kind: 'channel'; channel: RtcDataChannel } | { kind: 'relay' } | { kind: 'star' } | { kind: 'none' };
  sendRelay(batch: string): void;
  relayIdle(): boolean;
  relayBatchBytes(): number;
  sendViaServer(batch: Uint8Array): StarSend;
  /** A DataChannel send threw: its transport is gone. */
  channelFailed(): void;
}

/** ms between checks of whether the signaling socket (or the server peer's link) can take more */
const RETRY_MS = 10;

export class LinkOutbox {
  /** Data records to send, oldest first (also kept by the sender until acknowledged). */
  private data: Uint8Array[] = [];
  private control: Uint8Array[] = [];
  private scheduled = false;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(private readonly routes: OutboxRoutes) {}

  /** Records waiting here (a server peer's link counts as busy beyond a bound). */
  get backlog(): number {
    return this.control.length + this.data.length;
  }

  pushData(records: Uint8Array[]): void {
    for (const record of records) this.data.push(record);
    this.schedule();
  }

  pushControl(record: Uint8Array): void {
    if (this.closed) return;
    this.control.push(record);
    this.schedule();
  }

  /** After a path change: send exactly these data records (everything unacknowledged), in order. */
  replaceData(records: Uint8Array[]): void {
    this.data = records;
    this.schedule();
  }

  /** Writes soon: a microtask gathers every send of the current task into the same batches (coalescing). */
  schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retry);
  }

  private get empty(): boolean {
    return this.data.length === 0 && this.control.length === 0;
  }

  private flush(): void {
    if (this.closed) return;
    const route = this.routes.route();
    const o = this.routes.options;
    if (route.kind === 'channel') {
      try {
        while (!this.empty && route.channel.bufferedAmount < o.highWaterMarkBytes) {
          route.channel.send(this.takeBatch(o.coalesce ? o.batchBytes : 0)); // limit 0: one record per message
        }
      } catch {
        // The channel died under us (stacks throw from send once their transport is gone): what was taken
        // is still unacknowledged, so the next path resends it.
        this.routes.channelFailed();
      }
      return; // the rest goes when bufferedamountlow fires
    }
    if (route.kind === 'relay') {
      // While earlier relay frames still wait for the hub's rate limit, keep records here: they coalesce
      // into fewer, fuller frames instead of queueing one frame each.
      if (!this.routes.relayIdle()) return this.retryLater();
      const limit = this.routes.relayBatchBytes();
      while (!this.empty) this.routes.sendRelay(toBase64(this.takeBatch(limit)));
      return;
    }
    if (route.kind === 'star') {
      while (!this.empty) {
        const batch = this.takeBatch(o.batchBytes);
        const outcome = this.routes.sendViaServer(batch);
        if (outcome === 'sent') continue;
        if (outcome === 'unavailable') {
          // no open DataChannel to a server peer (yet): this batch goes by the hub, and so do the next
          this.routes.sendRelay(toBase64(batch));
          continue;
        }
        // busy: put the (whole) records back in front and try again shortly
        this.control.unshift(...splitRecords(batch));
        return this.retryLater();
      }
    }
    // none: keep everything until a path exists
  }

  private retryLater(): void {
    this.retry ??= setTimeout(() => {
      this.retry = undefined;
      this.flush();
    }, RETRY_MS);
  }

  /** Control records first, then data, up to `limit` bytes (at least one record). */
  private takeBatch(limit: number): Uint8Array {
    const parts: Uint8Array[] = [];
    let bytes = 0;
    for (const queue of [this.control, this.data]) {
      let n = 0;
      while (n < queue.length && (parts.length === 0 || bytes + queue[n]!.length <= limit)) {
        bytes += queue[n]!.length;
        parts.push(queue[n]!);
        n++;
      }
      queue.splice(0, n);
    }
    return concat(parts, bytes);
  }
}

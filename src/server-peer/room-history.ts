/**
 * The broadcasts a server peer keeps of one room for late joiners: the last `maxItems`, and at most
 * `maxBytes` of data (strings count their UTF-8 bytes); the oldest go first. A single broadcast larger
 * than `maxBytes` is not kept at all. Bounded in bytes because any member chooses what is kept.
 */
import { dataBytes } from '../protocol/index.ts';

export interface HistoryItem {
  from: string;
  at: number;
  data: string | Uint8Array;
}

export class RoomHistory implements Iterable<HistoryItem> {
  private items: { item: HistoryItem; bytes: number }[] = [];
  private bytes = 0;

  constructor(private readonly maxItems: number, private readonly maxBytes: number) {}

  get size(): number {
    return this.items.length;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  push(item: HistoryItem): void {
    const bytes = dataBytes(item.data);
    if (bytes > this.maxBytes || this.maxItems === 0) return;
    this.items.push({ item, bytes });
    this.bytes += bytes;
    let drop = 0;
    while (this.items.length - drop > this.maxItems || this.bytes > this.maxBytes) this.bytes -= this.items[drop++]!.bytes;
    if (drop > 0) this.items.splice(0, drop);
  }

  /** The kept broadcasts, oldest first (a copy). */
  list(): HistoryItem[] {
    return this.items.map((e) => e.item);
  }

  [Symbol.iterator](): Iterator<HistoryItem> {
    return this.list()[Symbol.iterator]();
  }
}

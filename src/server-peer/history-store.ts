/**
 * Where a server peer keeps the broadcasts of the rooms it serves, for late joiners. In its own memory by
 * default (MemoryHistoryStore); in Redis with `redisUrl` (redis-history-store.ts), so that history outlives
 * the server peer that built it and any server peer serving the room next replays it.
 */
import { RoomHistory, type HistoryItem } from './room-history.ts';

export type { HistoryItem } from './room-history.ts';

export interface HistoryStore {
  /** The server peer serves `room` (again): its broadcasts are kept from now on. */
  open(room: string): void;
  /** Keeps one broadcast of an open room, within the store's bounds (count and bytes). Never throws. */
  push(room: string, item: HistoryItem): void;
  /**
   * What a member of the room should be replayed: the kept broadcasts, oldest first, as they stand after
   * every push made before this call (a store that answers later still answers for this moment); or []
   * when the store knows this member already had them (from an earlier server peer of the room, before it
   * died or handed over) and has been in the room since. The member has them from now on. Never rejects:
   * a store that cannot read answers []. Synchronous when the store can be (the in-memory one).
   */
  replayFor(room: string, peerId: string): readonly HistoryItem[] | Promise<readonly HistoryItem[]>;
  /** A member left the room: a later join of it is replayed again. */
  left(room: string, peerId: string): void;
  /** The room's members when this server peer started serving it: whoever is not among them is forgotten. */
  present(room: string, peerIds: readonly string[]): void;
  /** The server peer no longer serves `room` (it left, or lost it): memory forgets it, Redis keeps it a while. */
  release(room: string): void;
  /** Idempotent. */
  close(): Promise<void>;
}

/** Each open room's history in this process (as before the store existed): gone when the room is released. */
export class MemoryHistoryStore implements HistoryStore {
  private readonly rooms = new Map<string, RoomHistory>();

  constructor(private readonly maxItems: number, private readonly maxBytes: number) {}

  open(room: string): void {
    if (!this.rooms.has(room)) this.rooms.set(room, new RoomHistory(this.maxItems, this.maxBytes));
  }

  push(room: string, item: HistoryItem): void {
    this.rooms.get(room)?.push(item);
  }

  /** Every join gets the history (the store lives and dies with this server peer: nobody had it before). */
  replayFor(room: string): readonly HistoryItem[] {
    return this.rooms.get(room)?.list() ?? [];
  }

  left(): void {}

  present(): void {}

  release(room: string): void {
    this.rooms.delete(room);
  }

  async close(): Promise<void> {
    this.rooms.clear();
  }
}

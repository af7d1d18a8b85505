/**
 * This hub's copies of the rooms it has members in (or joins on their way): who is in each, and which of
 * them are connected here. The handlers read these synchronously; Redis is the truth, and each copy follows
 * it through the room's membership events, which carry versions.
 *
 * A copy starts when the hub subscribes to the room's channel, before its first join's script runs, so
 * that no event after the script's snapshot can be missed; events that arrive before that snapshot (they
 * travel on another connection) wait in a queue, and only those newer than the snapshot are applied.
 */
import type { PeerInfo } from '../../protocol/index.ts';

export type RoomEvent = { kind: 'join'; v: number; member: PeerInfo } | { kind: 'leave'; v: number; peerId: string };

export class Replica {
  readonly members = new Map<string, PeerInfo>();
  /** Version of the last change applied. */
  v = 0;
  /** Events that came before the first snapshot; null once there is one. */
  queue: RoomEvent[] | null = [];
  /** Members connected to this hub (and sessions being taken over from another hub). */
  readonly local = new Set<string>();
  /** Joins on their way from this hub. */
  pending = 0;
  /** Resolves when the hub's subscription to the room's channel is in place. */
  subscribed: Promise<void> = Promise.resolve();

  get interest(): number {
    return this.local.size + this.pending;
  }

  /** Whether some member is connected to another hub (a frame to the room must go through Redis). */
  get remote(): boolean {
    return this.members.size > this.local.size;
  }
}

export class RoomReplicas {
  private readonly rooms = new Map<string, Replica>();

  get(room: string): Replica | undefined {
    return this.rooms.get(room);
  }

  names(): IterableIterator<string> {
    return this.rooms.keys();
  }

  all(): IterableIterator<[string, Replica]> {
    return this.rooms.entries();
  }

  get size(): number {
    return this.rooms.size;
  }

  /** The room's copy, created when missing; `fresh` tells the caller to subscribe. */
  follow(room: string): { replica: Replica; fresh: boolean } {
    const existing = this.rooms.get(room);
    if (existing !== undefined) return { replica: existing, fresh: false };
    const replica = new Replica();
    this.rooms.set(room, replica);
    return { replica, fresh: true };
  }

  /** Drops the copy when nobody here needs it; true when it was dropped (the caller unsubscribes). */
  release(room: string): boolean {
    const replica = this.rooms.get(room);
    if (replica === undefined || replica.interest > 0) return false;
    this.rooms.delete(room);
    return true;
  }

  /** A snapshot of the room's members at version `v` (a join's answer, or a read after subscribing). */
  snapshot(room: string, v: number, members: PeerInfo[]): void {
    const replica = this.rooms.get(room);
    if (replica === undefined) return;
    if (replica.queue === null && v <= replica.v) return; // events already took the copy past it
    replica.members.clear();
    for (const m of members) replica.members.set(m.peerId, m);
    replica.v = v;
    const queued = replica.queue ?? [];
    replica.queue = null;
    for (const event of queued) applyTo(replica, event);
  }

  /** An event from the room's channel; true when it changed the copy. */
  apply(room: string, event: RoomEvent): boolean {
    const replica = this.rooms.get(room);
    if (replica === undefined) return false;
    if (replica.queue !== null) {
      replica.queue.push(event);
      return false;
    }
    return applyTo(replica, event);
  }

  /** Forgets every version (Redis lost its data and counts from 1 again): the next snapshot is taken as it is. */
  resetVersions(): void {
    for (const replica of this.rooms.values()) {
      replica.v = 0;
      replica.queue = [];
    }
  }
}

function applyTo(replica: Replica, event: RoomEvent): boolean {
  if (event.v <= replica.v) return false;
  replica.v = event.v;
  if (event.kind === 'join') replica.members.set(event.member.peerId, event.member);
  else replica.members.delete(event.peerId);
  return true;
}

/**
 * How the hub keeps room membership and delivers frames to peers. The handlers see only this interface:
 * the in-memory bus serves one hub; a Redis-backed bus can take its place for several hubs.
 *
 * Membership changes are async (a shared store answers later); membership reads and deliveries are sync
 * against the bus's local view, so the per-message path never waits.
 */
import type { PeerInfo } from '../protocol/index.ts';

/** Hands a serialized frame to a peer's connection (or its resume buffer) on this hub. */
export type Deliver = (frame: string) => void;

export type JoinOutcome =
  | { ok: true; others: PeerInfo[] }
  | { ok: false; code: 'room-full' | 'hub-full' };

export interface BusLimits {
  maxPeersPerRoom: number;
  maxRooms: number;
}

export interface BusStats {
  rooms: number;
  /** Memberships: a peer in two rooms counts twice. */
  members: number;
}

export interface RoomBus {
  /** Adds a member; resolves with the members already there, or why it could not join. */
  join(room: string, member: PeerInfo): Promise<JoinOutcome>;
  /** Removes a member; a room with no members left is closed. Resolves false if it was not a member. */
  leave(room: string, peerId: string): Promise<boolean>;
  isMember(room: string, peerId: string): boolean;
  members(room: string): PeerInfo[];
  /** How many members the room has (server peers included). */
  memberCount(room: string): number;
  /** Names of the rooms that have members. */
  roomNames(): string[];
  /** Registers where frames for a peer connected to this hub go. */
  attach(peerId: string, deliver: Deliver): void;
  detach(peerId: string): void;
  /** Delivers to one peer; false if the bus knows no endpoint for it. */
  sendTo(peerId: string, frame: string): boolean;
  /** Delivers to every member of the room but `exceptPeerId`. */
  broadcast(room: string, frame: string, exceptPeerId?: string): void;
  stats(): BusStats;
  close(): Promise<void>;
}

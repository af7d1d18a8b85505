/**
 * Questions about the rooms a client is in, and about who is where: shared rooms, roles, and the star
 * topology (when two members talk through a server peer, and over which link).
 */
import type { PeerRole } from '../protocol/index.ts';
import type { PeerLink } from './peer-link.ts';
import type { Room } from './room.ts';

export class RoomIndex {
  constructor(
    private readonly rooms: ReadonlyMap<string, Room>,
    private readonly links: ReadonlyMap<string, PeerLink>,
  ) {}

  sharesRoomWith(peerId: string): boolean {
    for (const room of this.rooms.values()) if (room.members.has(peerId)) return true;
    return false;
  }

  /** Whether peers `a` and `b` are both in a room of ours. */
  shareRoom(a: string, b: string): boolean {
    for (const room of this.rooms.values()) if (room.members.has(a) && room.members.has(b)) return true;
    return false;
  }

  roleOf(peerId: string): PeerRole | undefined {
    for (const room of this.rooms.values()) {
      const info = room.members.get(peerId);
      if (info !== undefined) return info.role;
    }
    return undefined;
  }

  /** We are a server peer in some room (server peers forward; they never use the star themselves). */
  amServer(): boolean {
    for (const room of this.rooms.values()) if (room.joinRequest.role === 'server') return true;
    return false;
  }

  /** Talk to `peerId` through a server peer: every room we share is a star with a server peer in it. */
  starWith(peerId: string): boolean {
    if (this.amServer() || this.roleOf(peerId) === 'server') return false;
    let shared = 0;
    for (const room of this.rooms.values()) {
      if (!room.members.has(peerId)) continue;
      shared++;
      if (room.topology !== 'star' || serverIn(room) === undefined) return false;
    }
    return shared > 0;
  }

  /** The open link to a server peer that shares a star room with `peerId`. */
  serverLinkFor(peerId: string): PeerLink | undefined {
    for (const room of this.rooms.values()) {
      if (room.topology !== 'star' || !room.members.has(peerId)) continue;
      const server = serverIn(room);
      const link = server === undefined ? undefined : this.links.get(server);
      if (link !== undefined && (link.path === 'direct' || link.path === 'turn')) return link;
    }
    return undefined;
  }
}

function serverIn(room: Room): string | undefined {
  for (const [peerId, info] of room.members) if (info.role === 'server') return peerId;
  return undefined;
}

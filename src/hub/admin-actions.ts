/**
 * What an operator can see and do to rooms (the admin API calls these): room views with every member's
 * state and link paths, kicking a peer, closing a room. Kept beside the handlers because they change
 * membership the same way: through the bus, telling members with the same messages.
 */
import { CLOSE_CODES, type LinkPathName, type PeerRole, type Topology } from '../protocol/index.ts';
import type { HubCore } from './hub-core.ts';
import { removeFromRoom } from './membership.ts';

export interface MemberView {
  peerId: string;
  name: string;
  role: PeerRole;
  /** The hub that holds the peer's session. */
  node: string;
  /** connected, or grace (its socket is gone; it may still resume). */
  state: 'connected' | 'grace';
  /** The path of its link to each room mate, as its client reported it. */
  links: Record<string, LinkPathName>;
}

export interface RoomView {
  room: string;
  topology: Topology;
  members: MemberView[];
}

export class AdminActions {
  constructor(
    private readonly core: HubCore,
    private readonly node: () => string,
  ) {}

  rooms(): RoomView[] {
    return this.core.bus.roomNames().sort().map((room) => this.room(room)!);
  }

  room(room: string): RoomView | undefined {
    const { bus, sessions, watch } = this.core;
    const members = bus.members(room);
    if (members.length === 0) return undefined;
    const mates = new Set(members.map((m) => m.peerId));
    return {
      room,
      topology: watch.topology(room),
      members: members.map((m) => {
        const session = sessions.findByPeerId(m.peerId);
        const links: Record<string, LinkPathName> = {};
        for (const [peerId, path] of session?.linkPaths ?? []) if (mates.has(peerId)) links[peerId] = path;
        return { ...m, node: this.node(), state: session?.absent ? 'grace' : 'connected', links };
      }),
    };
  }

  /**
   * Ends the peer's session: its rooms get `peer-left` (reason `kicked`) and its socket is closed with 4003,
   * which room clients take as final. False when the peer is not in the room.
   */
  async kick(room: string, peerId: string): Promise<boolean> {
    const session = this.core.sessions.findByPeerId(peerId);
    if (session === undefined || !session.rooms.has(room)) return false;
    const socket = session.socket;
    await this.core.sessions.end(session, 'kicked');
    socket?.close(CLOSE_CODES.kicked, 'kicked by an operator');
    this.core.logger.info({ room, peerId }, 'peer kicked');
    return true;
  }

  /** Takes every member out of the room (reason `room-closed`); each is told with `left`. Resolves how many. */
  async closeRoom(room: string): Promise<number | undefined> {
    const { bus, sessions, watch } = this.core;
    const members = bus.members(room);
    if (members.length === 0) return undefined;
    for (const member of members) await removeFromRoom(bus, watch, sessions.findByPeerId(member.peerId), member.peerId, room, 'room-closed');
    this.core.logger.info({ room, members: members.length }, 'room closed by an operator');
    return members.length;
  }
}

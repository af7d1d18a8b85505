/**
 * What the hub tracks about rooms beyond membership:
 * - who hears about rooms opening and closing (server peers): a room opens when its first peer (role
 *   `peer`) joins and closes when its last one leaves; server peers do not keep it open. A room whose
 *   server peer left while peers stay is offered again (`room-opened`): each room has one server peer;
 * - each room's topology: a star through the server peer when it has more than meshLimit peers and a
 *   server peer is in it, else a full mesh. Members are told when it changes. With several hubs, each hub
 *   decides from the same membership and tells its own members.
 */
import type { LeaveOutcome, RoomBus } from '../bus/room-bus.ts';
import { encodeHubMessage, type PeerInfo, type PeerLeftReason, type Topology } from '../protocol/index.ts';
import type { HubEvents } from './hub-events.ts';
import type { Session } from './session.ts';

export class RoomWatch {
  private readonly watchers = new Set<Session>();
  /** Rooms whose members were last told `star`. */
  private readonly stars = new Set<string>();

  constructor(
    private readonly bus: RoomBus,
    private readonly meshLimit: number,
    private readonly events: HubEvents,
  ) {}

  add(session: Session): void {
    this.watchers.add(session);
  }

  has(session: Session): boolean {
    return this.watchers.has(session);
  }

  remove(session: Session): void {
    this.watchers.delete(session);
  }

  /** Rooms with at least one peer, on every hub. */
  openRooms(): Promise<string[]> {
    return this.bus.openRooms();
  }

  topology(room: string): Topology {
    const members = this.bus.members(room);
    const peers = members.filter((p) => p.role === 'peer').length;
    return peers > this.meshLimit && members.some((p) => p.role === 'server') ? 'star' : 'mesh';
  }

  /** A member joined through this hub. */
  joined(room: string, member: PeerInfo, opened: boolean): void {
    if (opened) {
      this.tell('room-opened', room);
      this.events.emit('room-started', { room });
    }
    this.events.emit('peer-joined', { room, peerId: member.peerId, name: member.name, role: member.role });
    this.membersChanged(room);
  }

  /** A member left through this hub (or this hub cleaned up after a dead one). */
  left(room: string, outcome: LeaveOutcome, reason: PeerLeftReason): void {
    const { member } = outcome;
    this.events.emit('peer-left', { room, peerId: member.peerId, name: member.name, role: member.role, reason });
    if (outcome.closed) {
      this.tell('room-closed', room);
      this.events.emit('room-finished', { room });
    }
    if (outcome.reoffered) this.tell('room-opened', room);
    this.membersChanged(room);
  }

  /** Another hub opened or closed a room, or offered it again: this hub's watchers hear of it. */
  tell(type: 'room-opened' | 'room-closed', room: string): void {
    if (this.watchers.size === 0) return;
    const frame = encodeHubMessage({ type, room });
    for (const session of this.watchers) session.deliver(frame);
  }

  /** Tells this hub's members of the room when its topology changed. */
  membersChanged(room: string): void {
    const topology = this.topology(room);
    const star = topology === 'star';
    if (star === this.stars.has(room)) return;
    if (star) this.stars.add(room);
    else this.stars.delete(room);
    this.bus.broadcastLocal(room, encodeHubMessage({ type: 'topology', room, topology }));
  }
}

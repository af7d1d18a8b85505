/**
 * What the hub tracks about rooms beyond membership:
 * - who hears about rooms opening and closing (server peers): a room opens when its first peer (role
 *   `peer`) joins and closes when its last one leaves; server peers do not keep it open;
 * - each room's topology: a star through the server peer when it has more than meshLimit peers and a
 *   server peer is in it, else a full mesh. Members are told when it changes.
 */
import type { RoomBus } from '../bus/room-bus.ts';
import { encodeHubMessage, type PeerInfo, type PeerLeftReason, type Topology } from '../protocol/index.ts';
import type { HubEvents } from './hub-events.ts';
import type { Session } from './session.ts';

export class RoomWatch {
  private readonly watchers = new Set<Session>();
  private readonly stars = new Set<string>();

  constructor(
    private readonly bus: RoomBus,
    private readonly meshLimit: number,
    private readonly events: HubEvents,
  ) {}

  add(session: Session): void {
    this.watchers.add(session);
  }

  remove(session: Session): void {
    this.watchers.delete(session);
  }

  /** Rooms with at least one peer. */
  openRooms(): string[] {
    return this.bus.roomNames().filter((room) => this.bus.members(room).some((p) => p.role === 'peer'));
  }

  topology(room: string): Topology {
    return this.stars.has(room) ? 'star' : 'mesh';
  }

  joined(room: string, member: PeerInfo, others: PeerInfo[]): void {
    const opened = member.role === 'peer' && !others.some((p) => p.role === 'peer');
    if (opened) {
      this.tell('room-opened', room);
      this.events.emit('room-started', { room });
    }
    this.events.emit('peer-joined', { room, peerId: member.peerId, name: member.name, role: member.role });
    this.updateTopology(room);
  }

  left(room: string, member: PeerInfo, reason: PeerLeftReason): void {
    this.events.emit('peer-left', { room, peerId: member.peerId, name: member.name, role: member.role, reason });
    if (member.role === 'peer' && !this.bus.members(room).some((p) => p.role === 'peer')) {
      this.tell('room-closed', room);
      this.events.emit('room-finished', { room });
    }
    this.updateTopology(room);
  }

  private updateTopology(room: string): void {
    const members = this.bus.members(room);
    const peers = members.filter((p) => p.role === 'peer').length;
    const star = peers > this.meshLimit && members.some((p) => p.role === 'server');
    if (star === this.stars.has(room)) return;
    if (star) this.stars.add(room);
    else this.stars.delete(room);
    this.bus.broadcast(room, encodeHubMessage({ type: 'topology', room, topology: star ? 'star' : 'mesh' }));
  }

  private tell(type: 'room-opened' | 'room-closed', room: string): void {
    if (this.watchers.size === 0) return;
    const frame = encodeHubMessage({ type, room });
    for (const session of this.watchers) session.deliver(frame);
  }
}

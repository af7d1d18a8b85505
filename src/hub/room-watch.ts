/**
 * Who hears about rooms opening and closing (server peers), and when to tell them: a room opens when its
 * first peer (role `peer`) joins and closes when its last one leaves; server peers do not keep it open.
 */
import type { RoomBus } from '../bus/room-bus.ts';
import { encodeHubMessage, type PeerInfo, type PeerRole } from '../protocol/index.ts';
import type { Session } from './session.ts';

export class RoomWatch {
  private readonly watchers = new Set<Session>();

  constructor(private readonly bus: RoomBus) {}

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

  joined(room: string, role: PeerRole, others: PeerInfo[]): void {
    if (role === 'peer' && !others.some((p) => p.role === 'peer')) this.tell('room-opened', room);
  }

  left(room: string, role: PeerRole | undefined): void {
    if (role === 'peer' && !this.bus.members(room).some((p) => p.role === 'peer')) this.tell('room-closed', room);
  }

  private tell(type: 'room-opened' | 'room-closed', room: string): void {
    if (this.watchers.size === 0) return;
    const frame = encodeHubMessage({ type, room });
    for (const session of this.watchers) session.deliver(frame);
  }
}

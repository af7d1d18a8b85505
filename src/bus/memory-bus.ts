/** The default bus: rooms and endpoints in this process's memory. */
import type { PeerInfo } from '../protocol/index.ts';
import type { BusLimits, BusStats, Deliver, JoinOutcome, RoomBus } from './room-bus.ts';

export class MemoryBus implements RoomBus {
  private readonly rooms = new Map<string, Map<string, PeerInfo>>();
  private readonly endpoints = new Map<string, Deliver>();
  private membershipCount = 0;

  constructor(private readonly limits: BusLimits) {}

  async join(room: string, member: PeerInfo): Promise<JoinOutcome> {
    let members = this.rooms.get(room);
    if (members === undefined) {
      if (this.rooms.size >= this.limits.maxRooms) return { ok: false, code: 'hub-full' };
      members = new Map();
      this.rooms.set(room, members);
    }
    if (!members.has(member.peerId)) {
      if (member.role !== 'server' && countPeers(members) >= this.limits.maxPeersPerRoom) {
        return { ok: false, code: 'room-full' };
      }
      this.membershipCount++;
    }
    const others = [...members.values()].filter((m) => m.peerId !== member.peerId);
    members.set(member.peerId, member);
    return { ok: true, others };
  }

  async leave(room: string, peerId: string): Promise<boolean> {
    const members = this.rooms.get(room);
    if (members === undefined || !members.delete(peerId)) return false;
    this.membershipCount--;
    if (members.size === 0) this.rooms.delete(room);
    return true;
  }

  isMember(room: string, peerId: string): boolean {
    return this.rooms.get(room)?.has(peerId) ?? false;
  }

  members(room: string): PeerInfo[] {
    return [...(this.rooms.get(room)?.values() ?? [])];
  }

  memberCount(room: string): number {
    return this.rooms.get(room)?.size ?? 0;
  }

  roomNames(): string[] {
    return [...this.rooms.keys()];
  }

  attach(peerId: string, deliver: Deliver): void {
    this.endpoints.set(peerId, deliver);
  }

  detach(peerId: string): void {
    this.endpoints.delete(peerId);
  }

  sendTo(peerId: string, frame: string): boolean {
    const deliver = this.endpoints.get(peerId);
    if (deliver === undefined) return false;
    deliver(frame);
    return true;
  }

  broadcast(room: string, frame: string, exceptPeerId?: string): void {
    const members = this.rooms.get(room);
    if (members === undefined) return;
    for (const peerId of members.keys()) {
      if (peerId !== exceptPeerId) this.endpoints.get(peerId)?.(frame);
    }
  }

  stats(): BusStats {
    return { rooms: this.rooms.size, members: this.membershipCount };
  }

  async close(): Promise<void> {
    this.rooms.clear();
    this.endpoints.clear();
    this.membershipCount = 0;
  }
}

/** Server peers (role `server`) do not count against maxPeersPerRoom. */
function countPeers(members: Map<string, PeerInfo>): number {
  let n = 0;
  for (const m of members.values()) if (m.role !== 'server') n++;
  return n;
}

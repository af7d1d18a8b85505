/** The default bus: rooms and endpoints in this process's memory. */
import type { PeerInfo } from '../protocol/index.ts';
import type { AddressLedger, BusHealth, BusLimits, BusStats, Endpoint, JoinOutcome, LeaveOutcome, RoomBus } from './room-bus.ts';

export class MemoryBus implements RoomBus {
  private readonly rooms = new Map<string, Map<string, PeerInfo>>();
  private readonly endpoints = new Map<string, Endpoint>();
  private membershipCount = 0;

  constructor(private readonly limits: BusLimits) {}

  async start(): Promise<void> {}

  otherHubs(): number {
    return 0;
  }

  health(): BusHealth {
    return 'up';
  }

  addressLedger(): AddressLedger | undefined {
    return undefined; // one hub: its own per-address counts are all there is
  }

  async join(room: string, member: PeerInfo): Promise<JoinOutcome> {
    const members = this.rooms.get(room);
    if (members === undefined && this.rooms.size >= this.limits.maxRooms) return { ok: false, code: 'hub-full' };
    const peers = members === undefined ? 0 : countPeers(members);
    if (members?.has(member.peerId) !== true) {
      if (member.role === 'server' && members !== undefined && [...members.values()].some((m) => m.role === 'server')) {
        return { ok: false, code: 'room-served' };
      }
      if (member.role !== 'server' && peers >= this.limits.maxPeersPerRoom) return { ok: false, code: 'room-full' };
    }
    const room$ = members ?? new Map<string, PeerInfo>();
    if (members === undefined) this.rooms.set(room, room$);
    if (!room$.has(member.peerId)) this.membershipCount++;
    const others = [...room$.values()].filter((m) => m.peerId !== member.peerId);
    room$.set(member.peerId, member);
    // One process: nothing reaches the joiner before the handler's next step sends `joined`.
    return { ok: true, others, opened: member.role === 'peer' && peers === 0, admitted: () => {} };
  }

  async leave(room: string, peerId: string): Promise<LeaveOutcome | undefined> {
    const members = this.rooms.get(room);
    const member = members?.get(peerId);
    if (members === undefined || member === undefined) return undefined;
    members.delete(peerId);
    this.membershipCount--;
    if (members.size === 0) this.rooms.delete(room);
    const peersLeft = countPeers(members);
    return { member, closed: member.role === 'peer' && peersLeft === 0, reoffered: member.role === 'server' && peersLeft > 0 };
  }

  async openRooms(): Promise<string[]> {
    return [...this.rooms].filter(([, members]) => countPeers(members) > 0).map(([room]) => room);
  }

  async claimSession(): Promise<boolean> {
    return false; // one hub: a session it does not hold does not exist
  }

  rotateToken(): void {}

  async forgetSession(): Promise<void> {}

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

  attach(peerId: string, endpoint: Endpoint): void {
    this.endpoints.set(peerId, endpoint);
  }

  detach(peerId: string): void {
    this.endpoints.delete(peerId);
  }

  sendTo(peerId: string, frame: string): boolean {
    const endpoint = this.endpoints.get(peerId);
    if (endpoint === undefined) return false;
    endpoint.deliver(frame);
    return true;
  }

  broadcast(room: string, frame: string, exceptPeerId?: string): void {
    const members = this.rooms.get(room);
    if (members === undefined) return;
    for (const peerId of members.keys()) {
      if (peerId !== exceptPeerId) this.endpoints.get(peerId)?.deliver(frame);
    }
  }

  broadcastLocal(room: string, frame: string, exceptPeerId?: string): void {
    this.broadcast(room, frame, exceptPeerId);
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

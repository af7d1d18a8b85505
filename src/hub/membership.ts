/** Room membership steps shared by the handlers and the session life cycle. */
import type { LeaveOutcome, RoomBus } from '../bus/room-bus.ts';
import { encodeHubMessage, type PeerLeftReason } from '../protocol/index.ts';
import type { RoomWatch } from './room-watch.ts';
import type { Session } from './session.ts';
import type { SessionRooms } from './session-rooms.ts';

/** Takes a peer out of a room, tells the members who remain, and the watchers if the room closed. */
export async function leaveRoom(bus: RoomBus, watch: RoomWatch, peerId: string, room: string, reason: PeerLeftReason): Promise<void> {
  const outcome = await bus.leave(room, peerId);
  if (outcome !== undefined) announceDeparture(bus, watch, room, outcome, reason);
}

/** A member has left `room` (here, or on a dead hub this hub cleaned up): its room mates and watchers hear of it. */
export function announceDeparture(bus: RoomBus, watch: RoomWatch, room: string, outcome: LeaveOutcome, reason: PeerLeftReason): void {
  bus.broadcast(room, encodeHubMessage({ type: 'peer-left', room, peerId: outcome.member.peerId, reason }));
  watch.left(room, outcome, reason);
}

/**
 * Takes a member out of a room on the hub's initiative (an operator closed the room, or the room gave way
 * to a new one): the others get `peer-left` with `reason`, the member itself `left` with reason
 * `room-closed`; its connection stays.
 */
export async function removeFromRoom(bus: RoomBus, watch: RoomWatch, session: Session | undefined, peerId: string, room: string, reason: PeerLeftReason): Promise<void> {
  session?.rooms.delete(room);
  await leaveRoom(bus, watch, peerId, room, reason);
  session?.deliver(encodeHubMessage({ type: 'left', room, reason: 'room-closed' }));
}

/** The first room both peers are in, or undefined: signal and relay travel only between room mates. */
export function sharedRoom(bus: RoomBus, rooms: SessionRooms, otherPeerId: string): string | undefined {
  return rooms.find((room) => bus.isMember(room, otherPeerId));
}

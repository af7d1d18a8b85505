/** Room membership steps shared by the handlers and the session life cycle. */
import type { RoomBus } from '../bus/room-bus.ts';
import { encodeHubMessage, type PeerLeftReason } from '../protocol/index.ts';
import type { RoomWatch } from './room-watch.ts';

/** Takes a peer out of a room, tells the members who remain, and the watchers if the room closed. */
export async function leaveRoom(bus: RoomBus, watch: RoomWatch, peerId: string, room: string, reason: PeerLeftReason): Promise<void> {
  const member = bus.members(room).find((p) => p.peerId === peerId) ?? { peerId, name: '', role: 'peer' as const };
  if (await bus.leave(room, peerId)) {
    bus.broadcast(room, encodeHubMessage({ type: 'peer-left', room, peerId, reason }));
    watch.left(room, member, reason);
  }
}

/** The first room both peers are in, or undefined: signal and relay travel only between room mates. */
export function sharedRoom(bus: RoomBus, rooms: Iterable<string>, otherPeerId: string): string | undefined {
  for (const room of rooms) if (bus.isMember(room, otherPeerId)) return room;
  return undefined;
}

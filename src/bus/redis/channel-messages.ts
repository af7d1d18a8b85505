/**
 * What travels on the bus's Redis channels: one letter for the kind, then space-separated fields, the last
 * of which may hold spaces (a frame, a room name, JSON). Peer and hub ids are UUIDs, without spaces.
 *
 *   room channel:  J<version> <memberJson>        a member joined
 *                  L<version> <peerId>            a member left
 *                  B<originHub> <exceptPeerId|-> <frame>   a frame to every member
 *   peer channel:  F<frame>                       a frame to the peer
 *                  H<requestId> <hub> <received>  handover marker: `hub` takes the peer over from here on
 *   hub channel:   R<requestId> <framesJson|null> the previous hub's answer to a handover marker
 *   rooms channel: O<originHub> <room>            a room opened, or wants a server peer again
 *                  C<originHub> <room>            a room closed
 */
import type { PeerInfo } from '../../protocol/index.ts';
import type { RoomEvent } from './room-replicas.ts';

/** Splits `<head> <rest>` at the first space. */
function cut(text: string): [string, string] {
  const space = text.indexOf(' ');
  return space < 0 ? [text, ''] : [text.slice(0, space), text.slice(space + 1)];
}

export function roomFrame(originHub: string, exceptPeerId: string | undefined, frame: string): string {
  return `B${originHub} ${exceptPeerId ?? '-'} ${frame}`;
}

export function readRoomFrame(message: string): { origin: string; except: string | undefined; frame: string } {
  const [origin, rest] = cut(message.slice(1));
  const [except, frame] = cut(rest);
  return { origin, except: except === '-' ? undefined : except, frame };
}

export function readRoomEvent(message: string): RoomEvent | undefined {
  const [v, rest] = cut(message.slice(1));
  const version = Number(v);
  if (message[0] === 'J') return { kind: 'join', v: version, member: JSON.parse(rest) as PeerInfo };
  if (message[0] === 'L') return { kind: 'leave', v: version, peerId: rest };
  return undefined;
}

export function handoverMarker(requestId: string, hub: string, received: number): string {
  return `H${requestId} ${hub} ${received}`;
}

export function readHandoverMarker(message: string): { requestId: string; hub: string; received: number } {
  const [requestId, rest] = cut(message.slice(1));
  const [hub, received] = cut(rest);
  return { requestId, hub, received: Number(received) };
}

export function handoverAnswer(requestId: string, frames: string[] | null): string {
  return `R${requestId} ${JSON.stringify(frames)}`;
}

export function readHandoverAnswer(message: string): { requestId: string; frames: string[] | null } {
  const [requestId, json] = cut(message.slice(1));
  return { requestId, frames: JSON.parse(json) as string[] | null };
}

export function readRoomsEvent(message: string): { kind: 'opened' | 'closed'; origin: string; room: string } {
  const [origin, room] = cut(message.slice(1));
  return { kind: message[0] === 'C' ? 'closed' : 'opened', origin, room };
}

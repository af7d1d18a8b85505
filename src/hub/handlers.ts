/**
 * One handler per client message type. Each checks what the sender may do, then acts through the bus.
 * `from` is always the sender's session: whatever the client wrote there is never read.
 */
import {
  CLOSE_CODES, encodeHubMessage, rawDataText, type HubMessage,
  type ClientMessage, type ClientMessageType, type JoinMessage, type LeaveMessage,
  type LinkPathMessage, type PeerInfo, type RefreshIceMessage, type RequestId, type RelayMessage, type ResumeMessage, type SignalMessage, type WatchRoomsMessage,
} from '../protocol/index.ts';
import type { JoinRefusal } from '../bus/room-bus.ts';
import type { Connection } from './connection.ts';
import type { HubCore } from './hub-core.ts';
import type { JoinAuthorization } from './join-token.ts';
import { sameSecret } from './ops/bearer.ts';
import { leaveRoom, sharedRoom } from './membership.ts';

/** `text`: the frame as it came (signal and relay copy their `data` from it rather than serialise it again). */
export type Handler<M extends ClientMessage> = (core: HubCore, conn: Connection, message: M, text: string) => void | Promise<void>;

/** How many absent peers (or ghost rooms) one join may push out before it takes no for an answer. */
const MAX_YIELDS_PER_JOIN = 4;

async function join(core: HubCore, conn: Connection, msg: JoinMessage): Promise<void> {
  const { session } = conn;
  const { options } = core;
  if (session.rooms.has(msg.room)) return conn.sendError('already-in-room', `already in room ${msg.room}`, msg.id);
  const role = msg.role ?? 'peer';
  const maxRooms = role === 'server' ? options.serverPeerMaxRooms : options.maxRoomsPerConnection;
  if (session.rooms.size >= maxRooms) return conn.sendError('too-many-rooms', `a connection may be in ${maxRooms} rooms`, msg.id);
  let auth: JoinAuthorization;
  if (role === 'server') {
    if (!(await serverPeerSecretShown(core, conn, msg.token, msg.id))) return;
    auth = { ok: true };
  } else {
    if (!session.serverPeer && !(await joinBudget(core, conn, msg.id))) return;
    auth = await core.authorizeJoin(msg.room, msg.token);
  }
  if (!auth.ok) return conn.sendError('unauthorized', auth.reason, msg.id);
  if (conn.retired) return; // another connection resumed the session while we waited: it speaks for it now

  const me: PeerInfo = { peerId: session.peerId, name: auth.name ?? msg.name ?? '', role };
  const record = { resumeToken: session.resumeToken, address: session.address, serverPeer: session.serverPeer, watching: core.watch.has(session) };
  let outcome = await core.bus.join(msg.room, me, record);
  // A room (or the hub) that is full only because of absent peers makes room for a present one.
  for (let tries = 0; !outcome.ok && outcome.code !== 'room-served' && tries < MAX_YIELDS_PER_JOIN && !session.ended; tries++) {
    const yielded = outcome.code === 'room-full' ? await core.sessions.yieldSeatIn(msg.room) : await core.sessions.yieldRoom();
    if (!yielded) break;
    outcome = await core.bus.join(msg.room, me, record);
  }
  if (!outcome.ok) return conn.sendError(outcome.code, JOIN_REFUSALS[outcome.code](options), msg.id);
  if (session.ended || conn.retired) {
    // The socket went away for good, or another connection took the session over, while the bus answered:
    // undo, so nobody sees a ghost and the new connection is not answered for a request it never made.
    outcome.admitted();
    await core.bus.leave(msg.room, session.peerId);
    return;
  }
  session.rooms.add(msg.room);
  try {
    sendJoined(core, conn, msg, me, outcome.others);
  } finally {
    outcome.admitted(); // what reached the joiner meanwhile (a room mate on another hub) follows its `joined`
  }
  // After `joined`, so that a signal a member sends on peer-joined reaches the joiner after its joined.
  core.bus.broadcast(msg.room, encodeHubMessage({ type: 'peer-joined', room: msg.room, ...me }), session.peerId);
  core.watch.joined(msg.room, me, outcome.opened);
}

function sendJoined(core: HubCore, conn: Connection, msg: JoinMessage, me: PeerInfo, others: PeerInfo[]): void {
  const { session } = conn;
  conn.send({
    type: 'joined',
    ...(msg.id === undefined ? {} : { ref: msg.id }),
    room: msg.room,
    peerId: session.peerId,
    peers: others,
    iceServers: core.iceServersFor(session.peerId),
    resumeToken: session.resumeToken,
    topology: core.watch.topology(msg.room),
    ...(me.role === 'server' ? { limits: conn.promoteToServerPeer() } : {}),
  });
}

const JOIN_REFUSALS: Record<JoinRefusal, (options: HubCore['options']) => string> = {
  'room-full': (o) => `room has ${o.maxPeersPerRoom} peers`,
  'hub-full': (o) => `the hubs hold ${o.maxRooms} rooms`,
  'room-served': () => 'another server peer serves this room',
};

/** Spends one of the address's joins; answers rate-limited and resolves false when there is none left. */
async function joinBudget(core: HubCore, conn: Connection, ref: RequestId | undefined): Promise<boolean> {
  if (await core.addressLimits.allowJoin(conn.address)) return true;
  core.metrics.rateLimited('joins');
  conn.sendError('rate-limited', `join budget: more than ${core.options.joinsPerSecondPerAddress} joins/s from your address`, ref);
  return false;
}

/**
 * Whether `token` is the server-peer secret. A wrong guess costs one of the address's joins, so the
 * secret cannot be guessed faster than joinsPerSecondPerAddress; answers the refusal itself.
 */
async function serverPeerSecretShown(core: HubCore, conn: Connection, token: string | undefined, ref: RequestId | undefined): Promise<boolean> {
  const secret = core.options.serverPeerSecret;
  if (secret !== '' && token !== undefined && sameSecret(token, secret)) return true;
  if (await joinBudget(core, conn, ref)) conn.sendError('unauthorized', 'this needs the server-peer secret', ref);
  return false;
}

async function watchRooms(core: HubCore, conn: Connection, msg: WatchRoomsMessage): Promise<void> {
  if (!(await serverPeerSecretShown(core, conn, msg.token, msg.id))) return;
  if (conn.retired) return;
  const limits = conn.promoteToServerPeer();
  core.watch.add(conn.session);
  const rooms = await core.watch.openRooms();
  if (conn.retired) return;
  conn.send({ type: 'watching', ...(msg.id === undefined ? {} : { ref: msg.id }), rooms, limits });
}

async function leave(core: HubCore, conn: Connection, msg: LeaveMessage): Promise<void> {
  const { session } = conn;
  if (!session.rooms.delete(msg.room)) return conn.sendError('not-in-room', `not in room ${msg.room}`, msg.id);
  await leaveRoom(core.bus, core.watch, session.peerId, msg.room, 'left');
  conn.send(msg.id === undefined ? { type: 'left', room: msg.room } : { type: 'left', ref: msg.id, room: msg.room });
}

function signal(core: HubCore, conn: Connection, msg: SignalMessage, text: string): void {
  const { session } = conn;
  if (msg.to === session.peerId || sharedRoom(core.bus, session.rooms, msg.to) === undefined) {
    return conn.sendError('peer-not-found', `no peer ${msg.to} in your rooms`, msg.id);
  }
  const frame = forwarded('signal', session.peerId, undefined, msg, text);
  if (!core.bus.sendTo(msg.to, frame)) {
    conn.sendError('peer-not-found', `peer ${msg.to} is not reachable`, msg.id);
    return;
  }
  core.metrics.relayedBytes(frame.length);
}

function relay(core: HubCore, conn: Connection, msg: RelayMessage, text: string): void {
  const { session } = conn;
  const { room, to } = msg;
  if (room !== undefined && !session.rooms.has(room)) return conn.sendError('not-in-room', `not in room ${room}`, msg.id);
  if (to === undefined) {
    const frame = forwarded('relay', session.peerId, room, msg, text);
    // The frame was charged once on arrival; a broadcast costs it once per receiver.
    const receivers = core.bus.memberCount(room!) - 1;
    if (!conn.spendBytes(frame.length * (receivers - 1))) {
      core.metrics.rateLimited('bytes');
      return conn.sendError('rate-limited', `byte budget: a relay of ${frame.length} bytes to ${receivers} peers is more than ${conn.limits.bytesPerSecond} bytes/s allow; message dropped`, msg.id);
    }
    core.bus.broadcast(room!, frame, session.peerId);
    core.metrics.relayedBytes(frame.length * receivers);
    return;
  }
  const reachable = to !== session.peerId &&
    (room === undefined ? sharedRoom(core.bus, session.rooms, to) !== undefined : core.bus.isMember(room, to));
  const frame = forwarded('relay', session.peerId, room, msg, text);
  if (!reachable || !core.bus.sendTo(to, frame)) {
    conn.sendError('peer-not-found', `no peer ${to} in ${room === undefined ? 'your rooms' : 'room ' + room}`, msg.id);
    return;
  }
  core.metrics.relayedBytes(frame.length);
}

async function resume(core: HubCore, conn: Connection, msg: ResumeMessage): Promise<void> {
  const fresh = conn.session;
  // Held here, or (several hubs) taken over from the hub that holds it.
  let target = core.sessions.findByToken(msg.token);
  if (target === undefined && fresh.rooms.size === 0) {
    target = await core.sessions.claim(msg.token, msg.received);
    // Cut off (slow reader), or the socket closed, meanwhile: its close handler ended the fresh session only,
    // so attaching the target now would leave it on a dead socket for good. It waits in its grace instead.
    if (conn.retired || conn.ws.readyState !== conn.ws.OPEN) return;
  }
  if (target === undefined || target === fresh) {
    return resumeFailed(core, conn, 'no session to resume for this token: join afresh', msg.id);
  }
  if (fresh.rooms.size > 0) return conn.sendError('bad-message', 'resume must come before any join', msg.id);
  // Deliveries to the target from here on are numbered after these, and go to this connection.
  const missed = target.framesAfter(msg.received);
  if (missed === null) {
    return resumeFailed(core, conn, `frames after ${msg.received} are no longer all kept: join afresh`, msg.id);
  }

  // Nothing since the target was found awaited: the target is alive and becomes this connection's session at once. The fresh
  // session this connection started with never joined a room: it ends without telling anybody.
  const stale = target.socket;
  if (stale !== null) {
    target.owner?.retire(); // handles nothing more, even what it has already read
    target.detach(); // so its close is not taken for a departure
    stale.close(CLOSE_CODES.replaced, 'resumed on another connection');
  }
  conn.speakFor(target);
  target.attach(conn.ws, conn);
  void core.sessions.end(fresh, 'disconnected');
  core.sessions.returned(target);
  core.sessions.rotateToken(target);
  const limits = target.serverPeer ? conn.promoteToServerPeer() : conn.limits;
  core.metrics.resume(true);
  // Uncounted, like welcome: it belongs to this connection, not to the session's numbered frames.
  conn.sendUncounted({
    type: 'resumed',
    ...(msg.id === undefined ? {} : { ref: msg.id }),
    peerId: target.peerId,
    resumeToken: target.resumeToken,
    limits,
    rooms: [...target.rooms.keys()].map((room) => ({
      room,
      peers: core.bus.members(room).filter((p) => p.peerId !== target.peerId),
      topology: core.watch.topology(room),
    })),
    iceServers: core.iceServersFor(target.peerId),
    replayed: missed.length,
  });
  for (const frame of missed) conn.sendFrameUncounted(frame); // already numbered and kept
}

/**
 * A client's report of one link's path (metrics, admin API). Kept per session for its room mates only: a
 * report about anyone else is dropped without an answer (it races with departures, and an error would only
 * be noise), and reports about peers who left are pruned, so the map stays within the session's room mates.
 */
function linkPath(core: HubCore, conn: Connection, msg: LinkPathMessage): void {
  const { session } = conn;
  if (msg.peerId === session.peerId || sharedRoom(core.bus, session.rooms, msg.peerId) === undefined) return;
  session.setLinkPath(msg.peerId, msg.path);
  // More entries than it can have room mates: some are about peers who left.
  if (session.linkPaths.size > core.options.maxPeersPerRoom * session.rooms.size) {
    session.pruneLinkPaths((peerId) => sharedRoom(core.bus, session.rooms, peerId) !== undefined);
  }
}

/**
 * The frame a signal or relay becomes: `from` stamped by the hub, `data` copied from the frame's text when
 * that is safe (src/protocol/raw-data.ts), else serialised again. Same bytes as encodeHubMessage would give
 * for a frame written without spaces.
 */
function forwarded(type: 'signal' | 'relay', from: string, room: string | undefined, msg: SignalMessage | RelayMessage, text: string): string {
  const data = rawDataText(text, msg as unknown as Record<string, unknown>);
  if (data === undefined) return encodeHubMessage(room === undefined ? { type, from, data: msg.data } as HubMessage : { type: 'relay', from, room, data: msg.data });
  // `from` is a UUID the hub made: nothing in it needs escaping.
  return room === undefined ? `{"type":"${type}","from":"${from}","data":${data}}` : `{"type":"relay","from":"${from}","room":${JSON.stringify(room)},"data":${data}}`;
}

function resumeFailed(core: HubCore, conn: Connection, why: string, ref: ResumeMessage['id']): void {
  core.metrics.resume(false);
  conn.sendError('resume-failed', why, ref);
}

function refreshIce(core: HubCore, conn: Connection, msg: RefreshIceMessage): void {
  // TURN relays cost bandwidth: credentials go only to peers a room has admitted.
  if (conn.session.rooms.size === 0) return conn.sendError('not-in-room', 'refresh-ice needs a room: join one first', msg.id);
  const iceServers = core.iceServersFor(conn.session.peerId);
  conn.send(msg.id === undefined ? { type: 'ice-servers', iceServers } : { type: 'ice-servers', ref: msg.id, iceServers });
}

export const handlers: { [T in ClientMessageType]: Handler<Extract<ClientMessage, { type: T }>> } = {
  'refresh-ice': refreshIce,
  'link-path': linkPath,
  'watch-rooms': watchRooms,
  join,
  leave,
  signal,
  relay,
  resume,
};

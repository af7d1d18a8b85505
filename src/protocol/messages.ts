/**
 * Protocol v1: every message on the signaling WebSocket, as JSON text frames.
 * docs/protocol.md describes each one; this file is the single source of their shapes.
 */
import type { ErrorCode } from './codes.ts';

export const PROTOCOL_VERSION = 1;

/** An optional request id a client may put on any message; replies and errors echo it as `ref`. */
export type RequestId = string | number;

export type PeerRole = 'peer' | 'server';

/** mesh: every member has a DataChannel to every other; star: members talk through the server peer. */
export type Topology = 'mesh' | 'star';

export interface PeerInfo {
  peerId: string;
  name: string;
  role: PeerRole;
}

/** The shape of RTCIceServer, without depending on DOM types. */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

// ---- client -> hub ----

export interface JoinMessage {
  type: 'join';
  id?: RequestId;
  room: string;
  name?: string;
  /** A join token; for role `server`, the hub's server-peer secret. */
  token?: string;
  /** `server`: a server peer (needs the server-peer secret; does not count against maxPeersPerRoom). */
  role?: PeerRole;
}

export interface LeaveMessage {
  type: 'leave';
  id?: RequestId;
  room: string;
}

/** SDP offers/answers, ICE candidates, restarts: `data` is opaque to the hub and relayed unchanged. */
export interface SignalMessage {
  type: 'signal';
  id?: RequestId;
  to: string;
  data: unknown;
}

/** Application data over the WebSocket when no peer-to-peer path exists: to one peer, or to a room. */
export interface RelayMessage {
  type: 'relay';
  id?: RequestId;
  to?: string;
  room?: string;
  data: unknown;
}

/** First message on a new connection that takes over a dropped session (same peer id and rooms). */
export interface ResumeMessage {
  type: 'resume';
  id?: RequestId;
  token: string;
  /** How many frames the client received in the session, not counting `welcome` and `resumed`. */
  received: number;
}

/** A server peer asks to hear when rooms open and close; answered with `watching`. */
export interface WatchRoomsMessage {
  type: 'watch-rooms';
  id?: RequestId;
  /** The hub's server-peer secret. */
  token: string;
}

/** Asks for fresh iceServers (TURN credentials expire); answered with `ice-servers`. */
export interface RefreshIceMessage {
  type: 'refresh-ice';
  id?: RequestId;
}

/**
 * The path a link between two room clients takes: `connecting` (no path yet), a DataChannel `direct` or
 * through `turn`, the hub `relay`, or `star` through the server peer.
 */
export const LINK_PATHS = ['connecting', 'direct', 'turn', 'relay', 'star'] as const;
export type LinkPathName = (typeof LINK_PATHS)[number];

/**
 * A client tells the hub the path of its link to a room mate, when it changes (for the hub's metrics and
 * the admin API; nobody else is told). No answer; a report about a peer outside the sender's rooms is dropped.
 */
export interface LinkPathMessage {
  type: 'link-path';
  id?: RequestId;
  peerId: string;
  path: LinkPathName;
}

export type ClientMessage = JoinMessage | LeaveMessage | SignalMessage | RelayMessage | ResumeMessage | RefreshIceMessage | WatchRoomsMessage | LinkPathMessage;
export type ClientMessageType = ClientMessage['type'];

/** Every client message type; the `satisfies` makes the compiler refuse a list that misses one. */
export const CLIENT_MESSAGE_TYPES = Object.keys({
  join: 0, leave: 0, signal: 0, relay: 0, resume: 0, 'refresh-ice': 0, 'watch-rooms': 0, 'link-path': 0,
} satisfies Record<ClientMessageType, 0>) as readonly ClientMessageType[];

// ---- hub -> client ----

/** Limits a client needs to know to stay within them. */
export interface ClientLimits {
  maxFrameBytes: number;
  messagesPerSecond: number;
  messageBurst: number;
  /** Inbound bytes per second; a room relay costs its frame size once per receiver. */
  bytesPerSecond: number;
  byteBurst: number;
  maxRoomsPerConnection: number;
}

export interface WelcomeMessage {
  type: 'welcome';
  protocol: typeof PROTOCOL_VERSION;
  peerId: string;
  resumeToken: string;
  /** Ms between the hub's WebSocket pings; a connection silent for two of them is dropped. */
  heartbeatIntervalMs: number;
  /** Ms a dropped session stays resumable. */
  resumeGraceMs: number;
  limits: ClientLimits;
}

export interface JoinedMessage {
  type: 'joined';
  ref?: RequestId;
  room: string;
  peerId: string;
  /** The other members, without the joiner. */
  peers: PeerInfo[];
  iceServers: IceServer[];
  resumeToken: string;
  topology: Topology;
  /** On a join with role `server`: the server peer's limits, which apply to this connection from now on. */
  limits?: ClientLimits;
}

export interface LeftMessage {
  type: 'left';
  ref?: RequestId;
  room: string;
  /** Without `ref`: the hub took this peer out of the room (an operator closed it). */
  reason?: 'room-closed';
}

export interface PeerJoinedMessage extends PeerInfo {
  type: 'peer-joined';
  room: string;
}

/** left: it said so; disconnected: its connection was lost for good; kicked / room-closed: an operator's doing. */
export type PeerLeftReason = 'left' | 'disconnected' | 'kicked' | 'room-closed';

export interface PeerLeftMessage {
  type: 'peer-left';
  room: string;
  peerId: string;
  reason: PeerLeftReason;
}

export interface SignalDelivery {
  type: 'signal';
  from: string;
  data: unknown;
}

export interface RelayDelivery {
  type: 'relay';
  from: string;
  /** Present on room broadcasts, and on whispers that named a room. */
  room?: string;
  data: unknown;
}

export interface ResumedRoom {
  room: string;
  peers: PeerInfo[];
  topology: Topology;
}

export interface ResumedMessage {
  type: 'resumed';
  ref?: RequestId;
  peerId: string;
  /** A new token: the one the resume presented no longer works. */
  resumeToken: string;
  /** The limits of this connection (the server peer's, when the session had shown the secret). */
  limits: ClientLimits;
  rooms: ResumedRoom[];
  iceServers: IceServer[];
  /** How many frames the client missed; they follow this message, in order, with their original numbers. */
  replayed: number;
}

/** Answer to `watch-rooms`: the rooms that have peers now. `room-opened`/`room-closed` follow. */
export interface WatchingMessage {
  type: 'watching';
  ref?: RequestId;
  rooms: string[];
  /** The server peer's limits, which apply to this connection from now on. */
  limits: ClientLimits;
}

/** To every member: the room switched between mesh and star. */
export interface TopologyMessage {
  type: 'topology';
  room: string;
  topology: Topology;
}

/** To watchers: a room got its first peer (`room-opened`) or lost its last one (`room-closed`). */
export interface RoomStateMessage {
  type: 'room-opened' | 'room-closed';
  room: string;
}

export interface IceServersMessage {
  type: 'ice-servers';
  ref?: RequestId;
  iceServers: IceServer[];
}

export interface ErrorMessage {
  type: 'error';
  code: ErrorCode;
  message: string;
  ref?: RequestId;
}

export type HubMessage =
  | WelcomeMessage
  | JoinedMessage
  | LeftMessage
  | PeerJoinedMessage
  | PeerLeftMessage
  | SignalDelivery
  | RelayDelivery
  | ResumedMessage
  | IceServersMessage
  | WatchingMessage
  | RoomStateMessage
  | TopologyMessage
  | ErrorMessage;
export type HubMessageType = HubMessage['type'];

/** Serializes a hub message; typed so that every frame the hub writes is a HubMessage. */
export function encodeHubMessage(message: HubMessage): string {
  return JSON.stringify(message);
}

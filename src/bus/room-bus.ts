/**
 * How the hub keeps room membership and delivers frames to peers. The handlers see only this interface:
 * the in-memory bus serves one hub; the Redis bus (src/bus/redis/) serves several hubs sharing one Redis.
 *
 * Membership changes are async (a shared store answers later); membership reads and deliveries are sync
 * against the bus's local view, so the per-message path never waits. On the Redis bus that view covers
 * the rooms this hub has members in, kept current by the other hubs' membership events.
 */
import type { PeerInfo } from '../protocol/index.ts';

/**
 * Where a serialized frame for a peer connected to this hub goes (its session: the connection, or its resume
 * buffer). An object with a method rather than a function: a session is its own endpoint, where a bound
 * function or closure each would cost every connection ~100 bytes.
 */
export interface Endpoint {
  deliver(frame: string): void;
}

export type JoinRefusal = 'room-full' | 'hub-full' | 'room-served';

export type JoinOutcome =
  | {
    ok: true;
    others: PeerInfo[];
    /** The joiner is the room's first peer (role `peer`): the room has just opened, cluster-wide. */
    opened: boolean;
    /**
     * Call once `joined` has gone to the joiner (or the join was undone). Until then the bus holds what
     * reaches the joiner (a room mate on another hub may already be talking to it): nothing may come
     * before its `joined`.
     */
    admitted(): void;
  }
  | { ok: false; code: JoinRefusal };

export interface LeaveOutcome {
  member: PeerInfo;
  /** The member was the room's last peer (role `peer`): the room has closed, cluster-wide. */
  closed: boolean;
  /** The member was the room's server peer and peers remain: the room wants a server peer again. */
  reoffered: boolean;
}

/** What the bus keeps of a session for other hubs (the Redis bus; the memory bus needs none of it). */
export interface SessionRecord {
  resumeToken: string;
  /** Client address key the per-address limits count the session under. */
  address: string;
  serverPeer: boolean;
  /** A server peer that watches rooms (room-opened, room-closed): it does so on the hub it resumes on too. */
  watching: boolean;
}

export interface BusLimits {
  maxPeersPerRoom: number;
  maxRooms: number;
}

export interface BusStats {
  rooms: number;
  /** Memberships: a peer in two rooms counts twice. */
  members: number;
}

/** A session another hub held, now taken over by this one (a client resumed here). */
export interface SessionHandover {
  peerId: string;
  resumeToken: string;
  address: string;
  serverPeer: boolean;
  watching: boolean;
  /** room -> the name the peer joined it with */
  rooms: Map<string, string>;
  /**
   * Frames the previous hub had not had confirmed, after the client's `received` count, then frames that
   * arrived here during the handover. When the previous hub was dead, only the latter: what the dead hub
   * held is lost at the hub level (room clients' links resend their own messages).
   */
  frames: string[];
}

/** What the hub hears from the bus about changes it did not make itself. */
export interface BusListener {
  /** Another hub's join or leave changed the members of a room this hub has members in. */
  roomChanged(room: string): void;
  /** Another hub opened a room, or its server peer left while peers stayed (watchers may serve it). */
  roomOpened(room: string): void;
  /** Another hub closed a room (its last peer left). */
  roomClosed(room: string): void;
  /**
   * Another hub takes over a session of this hub (its client resumed there): stop speaking for it
   * without a departure, and answer with the frames after `received`, or null when they are not all kept.
   */
  handOver(peerId: string, received: number): string[] | null;
  /** This hub took a peer of a dead hub out of a room (the liveness reaper): announce it as a departure. */
  departed(room: string, outcome: LeaveOutcome): void;
  /**
   * A session of this hub that the other hubs ended while this hub was cut off from Redis ('ended': its room
   * mates were told it left), or that resumed on another hub meanwhile ('moved'): it must end here too.
   */
  sessionLost(peerId: string, how: 'ended' | 'moved'): void;
}

export type BusHealth = 'up' | 'down';

/** What the hub counts per client address: open WebSockets, and sessions (connected or absent). */
export type AddressCounter = 'connections' | 'sessions';

/**
 * The per-address limits across hubs (the Redis bus). Each hub counts the places its own sockets and
 * sessions hold, and only those; a take compares the sum over the live hubs with the limit, atomically.
 * The memory bus has none: there, the hub's own counts are the whole truth.
 */
export interface AddressLedger {
  /** Takes one of `address`'s `max` places of `counter` across the hubs; false (nothing taken) when all are taken. */
  take(counter: AddressCounter, address: string, max: number): Promise<boolean>;
  /** Counts a place without a limit: a session that came here from another hub (a resume) keeps its place. */
  add(counter: AddressCounter, address: string): void;
  /** Gives a place back (a socket closed; a session ended here, or went to another hub). */
  release(counter: AddressCounter, address: string): void;
  /** Where shared rate limiters keep their counters: rate-limiter-flexible's Redis store takes this client. */
  readonly rateStore: SharedRateStore;
}

export interface SharedRateStore {
  storeClient: object;
  /** Prefix for the limiters' keys (under the bus's own key prefix). */
  keyPrefix: string;
}

export interface RoomBus {
  /** This hub's id among hubs sharing a store (the Redis bus); undefined alone. */
  readonly hubId?: string;
  /** Connects (the Redis bus); resolves when the bus can serve. */
  start(listener: BusListener): Promise<void>;
  /** Other hubs alive, as last seen (0 alone): whether a session can move to another hub. */
  otherHubs(): number;
  /** 'down' while the shared store is unreachable: upgrades are refused and /readyz fails. */
  health(): BusHealth;
  /** After start(): the per-address counts shared with other hubs, or undefined when this hub is alone (memory). */
  addressLedger(): AddressLedger | undefined;
  /** Adds a member of a session on this hub; resolves with the members already there, or why it could not join. */
  join(room: string, member: PeerInfo, session: SessionRecord): Promise<JoinOutcome>;
  /** Removes a member; a room with no members left is closed. Resolves undefined if it was not a member. */
  leave(room: string, peerId: string): Promise<LeaveOutcome | undefined>;
  /** Rooms with at least one peer (role `peer`), on every hub. */
  openRooms(): Promise<string[]>;
  isMember(room: string, peerId: string): boolean;
  members(room: string): PeerInfo[];
  /** How many members the room has (server peers included). */
  memberCount(room: string): number;
  /** Names of the rooms that have members (on the Redis bus: members on this hub). */
  roomNames(): string[];
  /** Registers where frames for a peer connected to this hub go. */
  attach(peerId: string, endpoint: Endpoint): void;
  detach(peerId: string): void;
  /** Delivers to one peer (a room mate: callers check membership first); false if it cannot be reached. */
  sendTo(peerId: string, frame: string): boolean;
  /** Delivers to every member of the room but `exceptPeerId`, on every hub. */
  broadcast(room: string, frame: string, exceptPeerId?: string): void;
  /** Delivers to the room's members on this hub only (each hub tells its own members what it decides alike). */
  broadcastLocal(room: string, frame: string, exceptPeerId?: string): void;
  /**
   * Takes over a session another hub holds, for a client that resumed here with its token. `adopt` runs
   * synchronously with the handover and returns where the session's frames go from then on. Resolves
   * false when no hub holds a session for that token (the memory bus: always).
   */
  claimSession(resumeToken: string, received: number, adopt: (handover: SessionHandover) => Endpoint): Promise<boolean>;
  /** A session on this hub got a new resume token. */
  rotateToken(peerId: string, resumeToken: string): void;
  /** A session on this hub ended (after it left its rooms): other hubs can no longer resume it. */
  forgetSession(peerId: string): Promise<void>;
  stats(): BusStats;
  close(): Promise<void>;
}

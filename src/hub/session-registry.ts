/**
 * Every session of the hub, by peer id and by resume token, and by client address for the per-address
 * limits. A session outlives its socket for resumeGraceMs while the peer is in a room, then ends.
 *
 * Seats held by absent peers yield to present ones: sessions in their grace period count against the
 * limits (so a flood of dropped connections cannot be repeated for free), but when a limit is reached only
 * because of them, the oldest absent session ends (its room mates see `peer-left`, reason `disconnected`)
 * and the present peer gets the seat.
 *
 * Several hubs (share()): sessions per address count across them, each hub counting those it holds (a
 * session that resumes on another hub moves its count there). Only this hub's absent sessions can yield
 * for a connection here.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type WebSocket from 'ws';
import type { AddressLedger, RoomBus } from '../bus/room-bus.ts';
import { CLOSE_CODES, type PeerLeftReason } from '../protocol/index.ts';
import type { Logger } from './logger.ts';
import { leaveRoom, removeFromRoom } from './membership.ts';
import type { RoomWatch } from './room-watch.ts';
import { Session, type SessionEvents, type SessionLimits } from './session.ts';

/** RFC 6455 §7.4.1: 1000 normal closure; 1005 a close frame without a code (what `ws.close()` sends). */
const DELIBERATE_CLOSE_CODES = new Set([1000, 1005]);

export interface RegistryOptions extends SessionLimits {
  resumeGraceMs: number;
}

/** Resume tokens: 32 random bytes each, drawn from a pool (one system RNG call per 128 tokens, not per session). */
const TOKEN_BYTES = 32;
let tokenPool = Buffer.alloc(0);
let tokenPoolAt = 0;
function newResumeToken(): string {
  if (tokenPoolAt + TOKEN_BYTES > tokenPool.length) {
    tokenPool = randomBytes(TOKEN_BYTES * 128);
    tokenPoolAt = 0;
  }
  const token = tokenPool.toString('base64url', tokenPoolAt, tokenPoolAt + TOKEN_BYTES);
  tokenPoolAt += TOKEN_BYTES;
  return token;
}

export class SessionRegistry {
  private readonly byPeerId = new Map<string, Session>();
  private readonly byToken = new Map<string, Session>();
  /** How many sessions each client address key has (a count: which ones is asked of `absent` only). */
  private readonly byAddress = new Map<string, number>();
  /** Sessions in their grace period, oldest departure first (a Set keeps insertion order). */
  private readonly absent = new Set<Session>();
  private closing = false;
  /** Set by share(): the counts of the hubs sharing one Redis. */
  private ledger: AddressLedger | undefined;

  constructor(
    private readonly options: RegistryOptions,
    private readonly bus: RoomBus,
    private readonly watch: RoomWatch,
    private readonly logger: Logger,
    /** Called when a slow reader is cut off (metrics). */
    private readonly onSlowConsumer: () => void = () => {},
  ) {}

  /** Every live session (connected or absent). */
  all(): IterableIterator<Session> {
    return this.byPeerId.values();
  }

  findByPeerId(peerId: string): Session | undefined {
    return this.byPeerId.get(peerId);
  }

  get size(): number {
    return this.byPeerId.size;
  }

  /** Sessions waiting in their resume grace. */
  get absentCount(): number {
    return this.absent.size;
  }

  /** Sessions (connected or absent) of one client address key. */
  countOf(address: string): number {
    return this.byAddress.get(address) ?? 0;
  }

  /** Several hubs: from now on sessions per address count across them (the bus's ledger). */
  share(ledger: AddressLedger): void {
    this.ledger = ledger;
  }

  /**
   * Several hubs (after the check against this hub's own count): takes one of `address`'s `max` session
   * places across the hubs, for the session create() makes next; give it back with unusedPlace() if none
   * is made. When all are taken, this hub's oldest absent session of the address yields, if it has one.
   */
  async takeSharedPlace(address: string, max: number): Promise<boolean> {
    const ledger = this.ledger!;
    if (await ledger.take('sessions', address, max)) return true;
    return (await this.yieldOldest(address)) && ledger.take('sessions', address, max);
  }

  unusedPlace(address: string): void {
    this.ledger?.release('sessions', address);
  }

  /**
   * A session for a new connection (several hubs: in the place takeSharedPlace took). Its peer id is a v4
   * uuid from Node's randomUUID, which draws on a cached pool of random bytes (faster than the uuid package).
   */
  create(address: string): Session {
    return this.add(new Session(randomUUID(), newResumeToken(), address, this.options, this.sessionEvents));
  }

  private readonly sessionEvents: SessionEvents = {
    overflow: (s) => {
      this.logger.warn({ peerId: s.peerId }, 'resume buffer full while disconnected; ending session');
      void this.end(s, 'disconnected');
    },
    socketLost: (s, socket, code) => {
      this.logger.warn({ peerId: s.peerId, code }, 'slow consumer cut off');
      s.owner?.retire(); // ws still reads while its close handshake runs: that connection speaks for nobody now
      this.onSlowConsumer();
      this.socketClosed(s, socket, code);
    },
  };

  private add(session: Session): Session {
    this.byPeerId.set(session.peerId, session);
    this.byToken.set(session.resumeToken, session);
    this.byAddress.set(session.address, (this.byAddress.get(session.address) ?? 0) + 1);
    this.bus.attach(session.peerId, session);
    return session;
  }

  /**
   * Takes over the session of `token` from the hub that holds it (several hubs): the session comes here
   * absent, in its grace, and the resuming connection attaches to it. Undefined when no hub holds it.
   */
  async claim(token: string, received: number): Promise<Session | undefined> {
    let claimed: Session | undefined;
    const found = await this.bus.claimSession(token, received, (handover) => {
      const session = new Session(handover.peerId, handover.resumeToken, handover.address, this.options, this.sessionEvents, received);
      session.serverPeer = handover.serverPeer;
      if (handover.watching) this.watch.add(session);
      for (const room of handover.rooms.keys()) session.rooms.add(room);
      this.add(session);
      this.ledger?.add('sessions', session.address); // its place moves with it: the previous hub gives its own back
      for (const frame of handover.frames) session.deliver(frame);
      this.startGrace(session);
      claimed = session;
      return session;
    });
    return found ? claimed : undefined;
  }

  /**
   * The other hubs ended this session while this hub was cut off from Redis, or it resumed on another hub:
   * it ends here. Its client is told to reconnect (1001: it then starts afresh, its resume refused) or, when
   * the session lives on elsewhere, that it was replaced (4001).
   */
  lose(peerId: string, how: 'ended' | 'moved'): void {
    const session = this.byPeerId.get(peerId);
    if (session === undefined || session.ended) return;
    const socket = session.socket;
    session.owner?.retire();
    session.detach();
    if (how === 'moved') {
      socket?.close(CLOSE_CODES.replaced, 'resumed on another hub');
      this.drop(session);
      return;
    }
    socket?.close(CLOSE_CODES.goingAway, 'session lost while this hub was cut off: join afresh');
    void this.end(session, 'disconnected');
  }

  /**
   * Another hub takes this session over (its client resumed there): it stops here without a departure,
   * its socket (if any, half-open) closed as replaced. Answers the frames after `received`, or null.
   */
  handOver(peerId: string, received: number): string[] | null {
    const session = this.byPeerId.get(peerId);
    if (session === undefined || session.ended) return null;
    const frames = session.framesAfter(received);
    const stale = session.socket;
    session.owner?.retire();
    session.detach();
    stale?.close(CLOSE_CODES.replaced, 'resumed on another hub');
    this.drop(session);
    return frames;
  }

  /** A session still waiting for its resume, or still connected (a half-open socket being replaced). */
  findByToken(token: string): Session | undefined {
    const session = this.byToken.get(token);
    return session === undefined || session.ended ? undefined : session;
  }

  /** A resumed session gets a new token; the old one stops working. */
  rotateToken(session: Session): void {
    this.byToken.delete(session.resumeToken);
    session.resumeToken = newResumeToken();
    this.byToken.set(session.resumeToken, session);
    this.bus.rotateToken(session.peerId, session.resumeToken);
  }

  /** The session has a socket again (a resume): it is present, and holds its seats. */
  returned(session: Session): void {
    this.absent.delete(session);
  }

  /**
   * The socket of `session` closed. A deliberate close (1000, or 1005: a close frame without a code, as
   * `ws.close()` sends) is a goodbye: the session ends now.
   * Anything else (1001 from a page reload, 1006 from a dropped network) keeps a session that is in a room
   * resumable for resumeGraceMs.
   */
  socketClosed(session: Session, socket: WebSocket, code: number): void {
    if (session.socket !== socket || session.ended) return; // replaced by a resume: not a departure
    session.detach();
    if (this.closing) return;
    if (DELIBERATE_CLOSE_CODES.has(code)) {
      void this.end(session, 'left');
      return;
    }
    if (session.rooms.size === 0 || this.options.resumeGraceMs <= 0) {
      void this.end(session, 'disconnected');
      return;
    }
    this.startGrace(session);
  }

  /** The session is absent from now on: its seats yield first, and it ends unless resumed within resumeGraceMs. */
  private startGrace(session: Session): void {
    this.absent.delete(session); // re-inserted: newest departure last
    this.absent.add(session);
    clearTimeout(session.graceTimer);
    session.graceTimer = setTimeout(() => void this.end(session, 'disconnected'), this.options.resumeGraceMs);
    session.graceTimer.unref();
  }

  /**
   * Ends the oldest absent session (of `address`, when given) to make room for a present peer.
   * Resolves false when there is none: the limit is held by present peers and stands.
   */
  yieldOldest(address?: string): Promise<boolean> {
    return this.yieldFirst((s) => address === undefined || s.address === address);
  }

  /** Ends the absent peer of `room` that left longest ago. False when every peer of the room is present. */
  yieldSeatIn(room: string): Promise<boolean> {
    return this.yieldFirst((s) => s.rooms.has(room));
  }

  /** Ends the absent session that left longest ago among those matching; false when none matches. */
  private async yieldFirst(match: (session: Session) => boolean): Promise<boolean> {
    for (const session of this.absent) {
      if (!match(session)) continue;
      await this.end(session, 'disconnected');
      return true;
    }
    return false;
  }

  /**
   * For a new room when the hub holds maxRooms: closes the room whose peers (role `peer`) are all absent
   * and whose last departure is the oldest, ending those sessions and taking any server peer out of it (it
   * would keep the room open). False when every room has a present peer.
   */
  async yieldRoom(): Promise<boolean> {
    for (const session of this.absent) {
      for (const room of session.rooms.keys()) {
        const members = this.bus.members(room);
        const ghosts = members.filter((p) => p.role === 'peer').map((p) => this.byPeerId.get(p.peerId));
        if (ghosts.length === 0 || !ghosts.every((s) => s !== undefined && s.absent)) continue;
        await Promise.all(ghosts.map((s) => this.end(s!, 'disconnected')));
        for (const server of this.bus.members(room)) {
          await removeFromRoom(this.bus, this.watch, this.byPeerId.get(server.peerId), server.peerId, room, 'room-closed');
        }
        return true;
      }
    }
    return false;
  }

  /** Removes the session and tells its rooms it has left. Idempotent. */
  async end(session: Session, reason: PeerLeftReason): Promise<void> {
    if (session.ended) return;
    const rooms = this.drop(session);
    try {
      await Promise.all(rooms.map((room) => leaveRoom(this.bus, this.watch, session.peerId, room, reason)));
      if (rooms.length > 0) await this.bus.forgetSession(session.peerId);
    } catch (err) {
      // Redis failed: the session is gone here; when Redis answers again, the hub removes what it still has.
      this.logger.warn({ peerId: session.peerId, err: (err as Error).message }, 'session ended; its rooms are repaired when the bus answers');
    }
  }

  /** Forgets the session on this hub, and returns the rooms it was in. */
  private drop(session: Session): string[] {
    session.ended = true;
    clearTimeout(session.graceTimer);
    this.byPeerId.delete(session.peerId);
    this.byToken.delete(session.resumeToken);
    this.absent.delete(session);
    const count = (this.byAddress.get(session.address) ?? 0) - 1;
    if (count <= 0) this.byAddress.delete(session.address);
    else this.byAddress.set(session.address, count);
    this.ledger?.release('sessions', session.address);
    this.bus.detach(session.peerId);
    this.watch.remove(session);
    const rooms = [...session.rooms.keys()];
    session.rooms.clear();
    return rooms;
  }

  /** Shutdown: no more grace periods; sessions end with the process. */
  close(): void {
    this.closing = true;
    for (const session of this.byPeerId.values()) {
      session.ended = true;
      clearTimeout(session.graceTimer);
    }
    this.byPeerId.clear();
    this.byToken.clear();
    this.byAddress.clear();
    this.absent.clear();
  }
}

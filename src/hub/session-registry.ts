/**
 * All sessions of this hub, by peer id and by resume token, and their life cycle: created on connect,
 * detached when the socket drops, kept for resumeGraceMs if the peer is in a room, then ended.
 */
import { randomBytes } from 'node:crypto';
import type WebSocket from 'ws';
import { v4 as uuidv4 } from 'uuid';
import type { RoomBus } from '../bus/room-bus.ts';
import type { PeerLeftReason } from '../protocol/index.ts';
import type { Logger } from './logger.ts';
import { leaveRoom } from './membership.ts';
import type { RoomWatch } from './room-watch.ts';
import { Session, type SessionLimits } from './session.ts';

/** RFC 6455 §7.4.1: 1000 normal closure; 1005 a close frame without a code (what `ws.close()` sends). */
const DELIBERATE_CLOSE_CODES = new Set([1000, 1005]);

export interface RegistryOptions extends SessionLimits {
  resumeGraceMs: number;
}

export class SessionRegistry {
  private readonly byPeerId = new Map<string, Session>();
  private readonly byToken = new Map<string, Session>();
  private closing = false;

  constructor(
    private readonly options: RegistryOptions,
    private readonly bus: RoomBus,
    private readonly watch: RoomWatch,
    private readonly logger: Logger,
  ) {}

  get size(): number {
    return this.byPeerId.size;
  }

  create(): Session {
    const session = new Session(uuidv4(), randomBytes(32).toString('base64url'), this.options, {
      overflow: (s) => {
        this.logger.warn({ peerId: s.peerId }, 'resume buffer full while disconnected; ending session');
        void this.end(s, 'disconnected');
      },
      socketLost: (s, socket, code) => {
        this.logger.warn({ peerId: s.peerId, code }, 'slow consumer cut off');
        this.socketClosed(s, socket, code);
      },
    });
    this.byPeerId.set(session.peerId, session);
    this.byToken.set(session.resumeToken, session);
    this.bus.attach(session.peerId, session.deliver);
    return session;
  }

  /** A session still waiting for its resume, or still connected (a half-open socket being replaced). */
  findByToken(token: string): Session | undefined {
    const session = this.byToken.get(token);
    return session === undefined || session.ended ? undefined : session;
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
    session.graceTimer = setTimeout(() => void this.end(session, 'disconnected'), this.options.resumeGraceMs);
    session.graceTimer.unref();
  }

  /** Removes the session and tells its rooms it has left. Idempotent. */
  async end(session: Session, reason: PeerLeftReason): Promise<void> {
    if (session.ended) return;
    session.ended = true;
    clearTimeout(session.graceTimer);
    this.byPeerId.delete(session.peerId);
    this.byToken.delete(session.resumeToken);
    this.bus.detach(session.peerId);
    this.watch.remove(session);
    const rooms = [...session.rooms.keys()];
    session.rooms.clear();
    await Promise.all(rooms.map((room) => leaveRoom(this.bus, this.watch, session.peerId, room, reason)));
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
  }
}

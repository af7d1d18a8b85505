/**
 * A peer's identity on the hub: its peer id, resume token and rooms. It outlives its WebSocket for
 * resumeGraceMs, keeping what is addressed to it, so a page reload or a network blip keeps the peer id
 * and loses no frame: every frame but `welcome` and `resumed` is numbered and kept until confirmed.
 */
import type WebSocket from 'ws';
import { CLOSE_CODES, type LinkPathName } from '../protocol/index.ts';
import type { Endpoint } from '../bus/room-bus.ts';
import { ReplayBuffer } from './replay-buffer.ts';
import { sendFrame } from './send-frame.ts';
import { SessionRooms } from './session-rooms.ts';

/** What an idle session that never reported a link shows (a Map each would cost every connection). */
const NO_PATHS: ReadonlyMap<string, LinkPathName> = new Map();

export interface SessionLimits {
  maxBufferedBytes: number;
  resumeBufferMaxMessages: number;
  resumeBufferMaxBytes: number;
}

export interface SessionEvents {
  /** A frame for a disconnected session does not fit its buffer: the session must end. */
  overflow(session: Session): void;
  /** The hub gave up on the session's socket (slow reader): treat it as gone from now on. */
  socketLost(session: Session, socket: WebSocket, code: number): void;
}

/** The connection that currently speaks for a session; retired when another connection resumes it. */
export interface SessionOwner {
  retire(): void;
}

export class Session implements Endpoint {
  /** The rooms this peer is in (its display name in each is the bus's, in its PeerInfo). */
  readonly rooms = new SessionRooms();
  socket: WebSocket | null = null;
  owner: SessionOwner | null = null;
  graceTimer: NodeJS.Timeout | undefined;
  /** Set once the session is gone for good (left, expired, or overflowed while away). */
  ended = false;
  /** Showed the server-peer secret: every connection that speaks for it has the server peer's limits. */
  serverPeer = false;
  /** The path of this peer's link to each room mate, as its client reported it (`link-path`); made at the first report. */
  private paths: Map<string, LinkPathName> | undefined;
  /**
   * The frames not yet confirmed; made by the first one after the buffer emptied, and let go, array and
   * all, when all are confirmed (an idle session, most of the time, then holds only `confirmedSeq`).
   */
  private replay: ReplayBuffer | undefined;
  /** lastSeq while `replay` is let go (every frame up to it confirmed); stale while a buffer exists. */
  private confirmedSeq: number;

  constructor(
    readonly peerId: string,
    /** Replaced on every successful resume: a token seen once (in a log, on a shared screen) expires with its use. */
    public resumeToken: string,
    /** The client address key (src/hub/client-address.ts) the per-address limits count this session under. */
    readonly address: string,
    private readonly limits: SessionLimits,
    private readonly events: SessionEvents,
    /** Frames numbered before this hub held the session (taken over from another hub), else 0. */
    lastSeq = 0,
  ) {
    this.confirmedSeq = lastSeq;
  }

  get linkPaths(): ReadonlyMap<string, LinkPathName> {
    return this.paths ?? NO_PATHS;
  }

  setLinkPath(peerId: string, path: LinkPathName): void {
    (this.paths ??= new Map()).set(peerId, path);
  }

  /** Forgets the reports about peers `keep` says no (they left its rooms). */
  pruneLinkPaths(keep: (peerId: string) => boolean): void {
    for (const peerId of this.paths?.keys() ?? []) if (!keep(peerId)) this.paths!.delete(peerId);
  }

  /** Number of the last frame sent (or kept) for this session. */
  get lastSeq(): number {
    return this.replay?.lastSeq ?? this.confirmedSeq;
  }

  /** The bus endpoint: numbered, kept until confirmed, and written to the socket if there is one. */
  deliver(frame: string): void {
    if (this.ended) return;
    const socket = this.socket;
    const replay = (this.replay ??= new ReplayBuffer(this.limits.resumeBufferMaxMessages, this.limits.resumeBufferMaxBytes, this.confirmedSeq));
    if (socket === null && !replay.fits(frame)) {
      this.events.overflow(this);
      return;
    }
    replay.push(frame);
    if (socket !== null && sendFrame(socket, frame, this.limits.maxBufferedBytes) === 'cut-off') {
      // The socket may take a while to finish closing; the session stops counting on it now.
      this.events.socketLost(this, socket, CLOSE_CODES.slowConsumer);
    }
  }

  /** The client has frames 1..seq (a pong answered a ping sent after frame seq). */
  confirmThrough(seq: number): void {
    const replay = this.replay;
    if (replay === undefined) return;
    replay.confirmThrough(seq);
    if (replay.length > 0) return;
    this.confirmedSeq = replay.lastSeq;
    this.replay = undefined;
  }

  attach(socket: WebSocket, owner: SessionOwner): void {
    this.socket = socket;
    this.owner = owner;
    clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
  }

  detach(): void {
    this.socket = null;
    this.owner = null;
  }

  /** In its resume grace: no socket, not ended. Its seats yield to present peers. */
  get absent(): boolean {
    return this.socket === null && !this.ended;
  }

  /** What a client that received `received` frames is missing, or null if that can no longer be told. */
  framesAfter(received: number): string[] | null {
    if (this.replay !== undefined) return this.replay.after(received);
    return received === this.confirmedSeq ? [] : null; // nothing kept: only a client that has it all can go on
  }
}

/**
 * One WebSocket on the hub: checks every inbound frame (rate, binary, size, JSON, shape), dispatches it
 * to its handler, and keeps a connection's messages in order even when a handler has to wait (join asks
 * the bus, which may be remote).
 */
import type WebSocket from 'ws';
import type { RawData } from 'ws';
import {
  PROTOCOL_VERSION, TokenBucket, encodeHubMessage, parseClientMessage,
  type ClientLimits, type ClientMessage, type ErrorCode, type HubMessage, type RequestId,
} from '../protocol/index.ts';
import { handlers, type Handler } from './handlers.ts';
import type { HubCore } from './hub-core.ts';
import { sendFrame } from './send-frame.ts';
import { welcomeFrame } from './welcome-frame.ts';
import type { HubOptions } from './options.ts';
import type { Session, SessionOwner } from './session.ts';
import type { HubSocket, SocketHandler } from './hub-socket.ts';
import { nextHeartbeatSlot, type Pingable } from './heartbeat.ts';

/** One pair of limit objects per hub (read-only), not one per connection: idle connections are most of them. */
const sharedLimits = new WeakMap<HubOptions, { peer: ClientLimits; server: ClientLimits }>();

/** What a connection may send: as a peer, or (once it showed the server-peer secret) as a server peer. */
function limitsFor(options: HubOptions, serverPeer: boolean): ClientLimits {
  let limits = sharedLimits.get(options);
  if (limits === undefined) sharedLimits.set(options, (limits = { peer: makeLimits(options, false), server: makeLimits(options, true) }));
  return serverPeer ? limits.server : limits.peer;
}

function makeLimits(options: HubOptions, serverPeer: boolean): ClientLimits {
  return serverPeer
    ? {
      maxFrameBytes: options.maxFrameBytes,
      messagesPerSecond: options.serverPeerMessagesPerSecond,
      messageBurst: options.serverPeerMessageBurst,
      bytesPerSecond: options.serverPeerBytesPerSecond,
      byteBurst: options.serverPeerByteBurst,
      maxRoomsPerConnection: options.serverPeerMaxRooms,
    }
    : {
      maxFrameBytes: options.maxFrameBytes,
      messagesPerSecond: options.messagesPerSecond,
      messageBurst: options.messageBurst,
      bytesPerSecond: options.bytesPerSecond,
      byteBurst: options.byteBurst,
      maxRoomsPerConnection: options.maxRoomsPerConnection,
    };
}

/** Connection state bits, in one field (a boolean field each costs every connection 8 bytes). */
const PROMOTED = 1; // has the server peer's limits
const RETIRED = 2; // another connection resumed this one's session (or it was cut off): nothing more is handled here
const BUSY = 4; // an async handler runs: frames wait in the backlog
const AWAITING_PONG = 8;

export class Connection implements SessionOwner, SocketHandler, Pingable {
  /** Replaced when the connection resumes an earlier session. */
  session: Session;
  /**
   * The message and byte budgets, made at first use and let go after a heartbeat pong once refilled (a new
   * bucket is full): most connections are idle, and a pair costs ~200 bytes.
   */
  private messages: TokenBucket | undefined;
  private bytes: TokenBucket | undefined;
  private flags = 0;
  readonly heartbeatSlot = nextHeartbeatSlot();
  /** session.lastSeq when the outstanding ping was sent: its pong confirms frames up to here. */
  private pingedAtSeq = 0;
  /** Frames that arrived while an async handler ran (the socket is paused then; this holds at most a read's worth). */
  private backlog: { data: RawData; isBinary: boolean }[] | undefined;

  constructor(
    readonly ws: HubSocket,
    private readonly core: HubCore,
    /** The client address key the per-address limits count this connection under. */
    readonly address: string,
  ) {
    const { options } = core;
    this.session = core.sessions.create(address);
    this.session.attach(ws, this);
    ws.handler = this; // no listeners: see hub-socket.ts
    this.sendFrameUncounted(welcomeFrame({
      type: 'welcome',
      protocol: PROTOCOL_VERSION,
      peerId: this.session.peerId,
      resumeToken: this.session.resumeToken,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      resumeGraceMs: options.resumeGraceMs,
      limits: this.limits,
    }));
  }

  /** SocketHandler: the socket has closed (the session enters its resume grace, or ends). */
  onClose(code: number): void {
    this.core.sessions.socketClosed(this.session, this.ws, code);
    this.core.addressLimits.closed(this.address);
  }

  /** SocketHandler: ws closes the socket after an error; the close does the bookkeeping. */
  onError(err: Error): void {
    this.core.logger.debug({ peerId: this.session.peerId, err: err.message }, 'socket error');
  }

  /**
   * The connection showed the server-peer secret: from now on it has the server peer's limits (it serves
   * every room, and fans out history). Returns them, for the answer that tells the client.
   */
  promoteToServerPeer(): ClientLimits {
    this.session.serverPeer = true;
    if (this.is(PROMOTED)) return this.limits;
    this.flags |= PROMOTED;
    this.messages = undefined; // the server peer's, full
    this.bytes = undefined;
    return this.limits;
  }

  /** What this connection may send: a peer's or a server peer's limits. */
  get limits(): ClientLimits {
    return limitsFor(this.core.options, this.is(PROMOTED));
  }

  private is(flag: number): boolean {
    return (this.flags & flag) !== 0;
  }

  private messageBudget(): TokenBucket {
    return (this.messages ??= new TokenBucket(this.limits.messagesPerSecond, this.limits.messageBurst));
  }

  private byteBudget(): TokenBucket {
    return (this.bytes ??= new TokenBucket(this.limits.bytesPerSecond, this.limits.byteBurst));
  }

  /**
   * Charges bytes beyond the frame itself (a room relay costs its size once per receiver). False, and
   * nothing charged, when the byte budget cannot pay.
   */
  spendBytes(count: number): boolean {
    return count <= 0 || this.byteBudget().take(count);
  }

  get retired(): boolean {
    return this.is(RETIRED);
  }

  /** SessionOwner: the session was resumed on another connection. */
  retire(): void {
    this.flags |= RETIRED;
    this.backlog = undefined;
  }

  /** A numbered frame of the session: kept until confirmed, replayed on resume. */
  send(message: HubMessage): void {
    this.session.deliver(encodeHubMessage(message));
  }

  /** `welcome` and `resumed` describe this connection and are not numbered. */
  sendUncounted(message: HubMessage): void {
    this.sendFrameUncounted(encodeHubMessage(message));
  }

  sendFrameUncounted(frame: string): void {
    sendFrame(this.ws, frame, this.core.options.maxBufferedBytes);
  }

  /**
   * One heartbeat tick: a socket that has not answered the previous ping is dead (terminate; its session
   * enters the grace period); otherwise ping, remembering how many frames had been sent by then.
   */
  heartbeat(): void {
    if (this.is(AWAITING_PONG)) {
      this.ws.terminate();
      return;
    }
    this.flags |= AWAITING_PONG;
    this.pingedAtSeq = this.session.lastSeq;
    this.ws.ping();
  }

  /**
   * Lets go of what an idle connection need not hold (most connections are idle, most of the time). After
   * the pong, not the ping: the pong itself passes through ws's receive array.
   */
  private releaseIdle(now: number): void {
    if (this.messages?.isFull(now)) this.messages = undefined;
    if (this.bytes?.isFull(now)) this.bytes = undefined;
    this.ws.releaseIdleBuffers();
  }

  /**
   * The connection resumed an earlier session and speaks for it from now on. A ping outstanding was sent
   * for the session it leaves: its pong says nothing about the frames of this one (they would be confirmed
   * though sent after the ping), so it counts as unsolicited.
   */
  speakFor(session: Session): void {
    this.session = session;
    this.flags &= ~AWAITING_PONG;
  }

  /** SocketHandler: a pong, solicited or not. */
  onPong(): void {
    // A retired connection's pongs say what its old socket got, not what the client kept: they confirm nothing.
    if (!this.is(AWAITING_PONG) || this.retired) return; // unsolicited pong (RFC 6455 §5.5.3 allows it): confirms nothing
    this.flags &= ~AWAITING_PONG;
    this.session.confirmThrough(this.pingedAtSeq);
    this.releaseIdle(performance.now());
  }

  sendError(code: ErrorCode, message: string, ref?: RequestId): void {
    this.core.metrics.error(code);
    this.send(ref === undefined ? { type: 'error', code, message } : { type: 'error', code, message, ref });
  }

  /** SocketHandler: a frame from the client. */
  onFrame(data: RawData, isBinary: boolean): void {
    if (this.retired) return;
    if (this.is(BUSY)) {
      (this.backlog ??= []).push({ data, isBinary });
      return;
    }
    this.process(data, isBinary);
  }

  // onFrame and drain never call this for a retired connection.
  private process(data: RawData, isBinary: boolean): void {
    const started = performance.now();
    const { options } = this.core;
    // The hub's sockets use binaryType 'nodebuffer': a frame arrives as one Buffer of its bytes.
    const frame = data as Buffer;
    if (!this.messageBudget().take(1, started)) {
      this.core.metrics.rateLimited('messages');
      this.sendError('rate-limited', `message budget: more than ${this.limits.messagesPerSecond} messages/s; message dropped`);
      return;
    }
    if (!this.byteBudget().take(frame.length, started)) {
      this.core.metrics.rateLimited('bytes');
      this.sendError('rate-limited', `byte budget: more than ${this.limits.bytesPerSecond} bytes/s; message dropped`);
      return;
    }
    if (isBinary) {
      this.sendError('binary-not-supported', 'signaling frames are JSON text');
      return;
    }
    if (frame.length > options.maxFrameBytes) {
      this.sendError('payload-too-large', `frames are limited to ${options.maxFrameBytes} bytes`);
      return;
    }
    const text = frame.toString();
    const parsed = parseClientMessage(text, this.core.parseLimits);
    if (!parsed.ok) {
      this.sendError(parsed.code, parsed.message, parsed.ref);
      return;
    }
    this.dispatch(parsed.message, started, text);
  }

  private dispatch(message: ClientMessage, started: number, text: string): void {
    const { metrics } = this.core;
    metrics.messageIn(message.type);
    let result: void | Promise<void>;
    try {
      result = (handlers[message.type] as Handler<ClientMessage>)(this.core, this, message, text);
    } catch (err) {
      this.failed(message, err);
      return;
    }
    if (result === undefined) {
      metrics.handled(message.type, (performance.now() - started) / 1000);
      return;
    }
    this.flags |= BUSY;
    this.ws.pause();
    result
      .catch((err: unknown) => this.failed(message, err))
      .finally(() => {
        metrics.handled(message.type, (performance.now() - started) / 1000);
        this.flags &= ~BUSY;
        this.ws.resume(); // a retired connection too: its close handshake must be read
        this.drain();
      });
  }

  private drain(): void {
    // retire() empties the backlog, and onFrame adds nothing to it afterwards.
    while (!this.is(BUSY) && this.backlog !== undefined && this.backlog.length > 0) {
      const next = this.backlog.shift()!;
      this.process(next.data, next.isBinary);
    }
    if (this.backlog?.length === 0) this.backlog = undefined; // most connections are idle: no array kept
  }

  private failed(message: ClientMessage, err: unknown): void {
    this.core.logger.error({ err, type: message.type, peerId: this.session.peerId }, 'handler failed');
    this.sendError('internal-error', `the hub failed to handle ${message.type}`, message.id);
  }
}

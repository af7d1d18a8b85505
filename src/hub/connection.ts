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
import { answerSoon, sendFrame } from './send-frame.ts';
import { welcomeFrame } from './welcome-frame.ts';
import type { HubOptions } from './options.ts';
import type { Session, SessionOwner } from './session.ts';

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

const CONNECTION = Symbol('roomwire connection');
type OwnedSocket = WebSocket & { [CONNECTION]: Connection };

export class Connection implements SessionOwner {
  /** Replaced when the connection resumes an earlier session. */
  session: Session;
  limits!: ClientLimits;
  private messages!: TokenBucket;
  private bytes!: TokenBucket;
  /** Has the server peer's limits. */
  private promoted = false;
  /** Another connection resumed this one's session (or it was cut off): nothing more is handled here. */
  private retiredFlag = false;
  private busy = false;
  private awaitingPong = false;
  /** session.lastSeq when the outstanding ping was sent: its pong confirms frames up to here. */
  private pingedAtSeq = 0;
  /** Frames that arrived while an async handler ran (the socket is paused then; this holds at most a read's worth). */
  private backlog: { data: RawData; isBinary: boolean }[] | undefined;

  constructor(
    readonly ws: WebSocket,
    private readonly core: HubCore,
    /** The client address key the per-address limits count this connection under. */
    readonly address: string,
    /** The hub's own bookkeeping when the socket has closed (one function for every connection). */
    private readonly closed: (conn: Connection) => void,
  ) {
    const { options } = core;
    this.useLimits(false);
    this.session = core.sessions.create(address);
    this.session.attach(ws, this);
    // Listeners shared by every connection, finding theirs through the socket: a closure each cost every
    // connection ~80 bytes, and most connections are idle.
    (ws as OwnedSocket)[CONNECTION] = this;
    ws.on('message', Connection.onMessage);
    ws.on('pong', Connection.onPongFrame);
    ws.on('close', Connection.onClose);
    ws.on('error', Connection.onError);
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

  private static onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
    (this as OwnedSocket)[CONNECTION].onFrame(data, isBinary);
  }

  private static onPongFrame(this: WebSocket): void {
    (this as OwnedSocket)[CONNECTION].onPong();
  }

  private static onClose(this: WebSocket, code: number): void {
    const conn = (this as OwnedSocket)[CONNECTION];
    conn.core.sessions.socketClosed(conn.session, this, code);
    conn.closed(conn);
  }

  private static onError(this: WebSocket, err: Error): void {
    const conn = (this as OwnedSocket)[CONNECTION];
    conn.core.logger.debug({ peerId: conn.session.peerId, err: err.message }, 'socket error');
  }

  /**
   * The connection showed the server-peer secret: from now on it has the server peer's limits (it serves
   * every room, and fans out history). Returns them, for the answer that tells the client.
   */
  promoteToServerPeer(): ClientLimits {
    this.session.serverPeer = true;
    if (this.promoted) return this.limits;
    this.promoted = true;
    this.useLimits(true);
    return this.limits;
  }

  /** A peer's or a server peer's limits, with full buckets. */
  private useLimits(serverPeer: boolean): void {
    this.limits = limitsFor(this.core.options, serverPeer);
    this.messages = new TokenBucket(this.limits.messagesPerSecond, this.limits.messageBurst);
    this.bytes = new TokenBucket(this.limits.bytesPerSecond, this.limits.byteBurst);
  }

  /**
   * Charges bytes beyond the frame itself (a room relay costs its size once per receiver). False, and
   * nothing charged, when the byte budget cannot pay.
   */
  spendBytes(count: number): boolean {
    return count <= 0 || this.bytes.take(count);
  }

  get retired(): boolean {
    return this.retiredFlag;
  }

  /** SessionOwner: the session was resumed on another connection. */
  retire(): void {
    this.retiredFlag = true;
    this.backlog = undefined;
  }

  /** A numbered frame of the session: kept until confirmed, replayed on resume. It answers the client: it leaves at once. */
  send(message: HubMessage): void {
    this.session.deliver(encodeHubMessage(message));
    answerSoon(this.ws);
  }

  /** `welcome` and `resumed` describe this connection and are not numbered. */
  sendUncounted(message: HubMessage): void {
    this.sendFrameUncounted(encodeHubMessage(message));
  }

  sendFrameUncounted(frame: string): void {
    sendFrame(this.ws, frame, this.core.options.maxBufferedBytes);
    answerSoon(this.ws);
  }

  /**
   * One heartbeat tick: a socket that has not answered the previous ping is dead (terminate; its session
   * enters the grace period); otherwise ping, remembering how many frames had been sent by then.
   */
  heartbeat(): void {
    if (this.awaitingPong) {
      this.ws.terminate();
      return;
    }
    this.awaitingPong = true;
    this.pingedAtSeq = this.session.lastSeq;
    this.ws.ping();
  }

  private onPong(): void {
    // A retired connection's pongs say what its old socket got, not what the client kept: they confirm nothing.
    if (!this.awaitingPong || this.retired) return; // unsolicited pong (RFC 6455 §5.5.3 allows it): confirms nothing
    this.awaitingPong = false;
    this.session.confirmThrough(this.pingedAtSeq);
  }

  sendError(code: ErrorCode, message: string, ref?: RequestId): void {
    this.core.metrics.error(code);
    this.send(ref === undefined ? { type: 'error', code, message } : { type: 'error', code, message, ref });
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    if (this.retired) return;
    if (this.busy) {
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
    if (!this.messages.take(1, started)) {
      this.core.metrics.rateLimited('messages');
      this.sendError('rate-limited', `message budget: more than ${this.limits.messagesPerSecond} messages/s; message dropped`);
      return;
    }
    if (!this.bytes.take(frame.length, started)) {
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
    this.busy = true;
    this.ws.pause();
    result
      .catch((err: unknown) => this.failed(message, err))
      .finally(() => {
        metrics.handled(message.type, (performance.now() - started) / 1000);
        this.busy = false;
        this.ws.resume(); // a retired connection too: its close handshake must be read
        this.drain();
      });
  }

  private drain(): void {
    // retire() empties the backlog, and onFrame adds nothing to it afterwards.
    while (!this.busy && this.backlog !== undefined && this.backlog.length > 0) {
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

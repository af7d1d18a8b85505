/**
 * One PeerJS WebSocket once it holds an id: every inbound frame is checked the way the hub checks its own
 * (message and byte budgets, binary, size, JSON, shape) before it reaches the router; a bad one gets an
 * ERROR with a stable `payload.code` and is dropped, and the socket stays open. peerjs-server instead
 * ignores what it cannot parse, and relays any object with a known type.
 */
import type WebSocket from 'ws';
import type { RawData } from 'ws';
import type { PeerjsErrorCode } from '../protocol/codes.ts';
import { TokenBucket } from '../protocol/token-bucket.ts';
import type { Logger } from '../hub/logger.ts';
import { sendFrame } from '../hub/send-frame.ts';
import type { PeerjsHolder } from './peerjs-ids.ts';
import { errorFrame, parsePeerjsFrame, type PeerjsRelayedType } from './peerjs-messages.ts';
import type { PeerjsMetrics } from './peerjs-metrics.ts';

/** The hub's options a PeerJS connection is held to: the same names and values as for /ws. */
export interface PeerjsConnectionOptions {
  maxFrameBytes: number;
  maxJsonDepth: number;
  messagesPerSecond: number;
  messageBurst: number;
  bytesPerSecond: number;
  byteBurst: number;
  maxBufferedBytes: number;
}

/** What a connection asks of the endpoint that owns the ids. */
export interface PeerjsRouter {
  readonly options: PeerjsConnectionOptions;
  readonly metrics: PeerjsMetrics;
  readonly logger: Logger;
  relay(from: PeerjsConnection, type: PeerjsRelayedType, dst: string, payload: unknown): void;
  /** LEAVE without dst: the sender gives up its id. */
  leave(conn: PeerjsConnection): void;
  closed(conn: PeerjsConnection): void;
}

export class PeerjsConnection implements PeerjsHolder {
  /** Date.now() of the last HEARTBEAT (or of the connection): the alive timeout counts from it. */
  lastHeartbeatAt = Date.now();
  private readonly messages: TokenBucket;
  private readonly bytes: TokenBucket;
  /** Closing for good (alive timeout, LEAVE, superseded twice): frames still arriving are not handled. */
  private retired = false;

  constructor(
    readonly ws: WebSocket,
    readonly id: string,
    readonly token: string,
    private readonly router: PeerjsRouter,
  ) {
    const { options } = router;
    this.messages = new TokenBucket(options.messagesPerSecond, options.messageBurst);
    this.bytes = new TokenBucket(options.bytesPerSecond, options.byteBurst);
    ws.on('message', (data, isBinary) => this.onFrame(data, isBinary));
    ws.on('close', () => router.closed(this));
    ws.on('error', (err) => router.logger.debug({ peerjsId: id, err: err.message }, 'peerjs socket error'));
  }

  /** Writes a frame; a reader more than maxBufferedBytes behind is cut off (4008). False when not written. */
  send(frame: string): boolean {
    const outcome = sendFrame(this.ws, frame, this.router.options.maxBufferedBytes);
    if (outcome === 'cut-off') this.router.metrics.hub.slowConsumerCut();
    return outcome === 'sent';
  }

  get open(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  /** Closes the socket; nothing it sends from now on is handled. `code` undefined: no code, as peerjs-server. */
  retire(code?: number, reason?: string): void {
    this.retired = true;
    this.ws.close(code, reason);
  }

  sendError(code: PeerjsErrorCode, msg: string): void {
    this.router.metrics.error(code);
    this.send(errorFrame(code, msg));
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    if (this.retired) return;
    const { options, metrics } = this.router;
    // The hub's sockets use binaryType 'nodebuffer': a frame arrives as one Buffer of its bytes.
    const frame = data as Buffer;
    if (!this.messages.take()) {
      metrics.hub.rateLimited('messages');
      return this.sendError('rate-limited', `message budget: more than ${options.messagesPerSecond} messages/s; message dropped`);
    }
    if (!this.bytes.take(frame.length)) {
      metrics.hub.rateLimited('bytes');
      return this.sendError('rate-limited', `byte budget: more than ${options.bytesPerSecond} bytes/s; message dropped`);
    }
    if (isBinary) return this.sendError('binary-not-supported', 'PeerJS signaling frames are JSON text');
    if (frame.length > options.maxFrameBytes) return this.sendError('payload-too-large', `frames are limited to ${options.maxFrameBytes} bytes`);
    const parsed = parsePeerjsFrame(frame.toString(), options.maxJsonDepth);
    if (!parsed.ok) return this.sendError(parsed.code, parsed.msg);
    const { message } = parsed;
    metrics.messageIn(message.type);
    try {
      if (message.type === 'HEARTBEAT') this.lastHeartbeatAt = Date.now();
      else if (message.dst === undefined) this.router.leave(this);
      else this.router.relay(this, message.type, message.dst, message.payload);
    } catch (err) {
      // A listener never throws: one failed message is reported to its sender and logged, nothing more.
      this.router.logger.error({ err, type: message.type, peerjsId: this.id }, 'peerjs handler failed');
      this.sendError('internal-error', `the hub failed to handle ${message.type}`);
    }
  }
}

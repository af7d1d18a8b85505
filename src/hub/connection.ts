/**
 * One WebSocket on the hub: checks every inbound frame (rate, binary, size, JSON, shape), dispatches it
 * to its handler, and keeps a connection's messages in order even when a handler has to wait (join asks
 * the bus, which may be remote).
 */
import type WebSocket from 'ws';
import type { RawData } from 'ws';
import {
  PROTOCOL_VERSION, TokenBucket, encodeHubMessage, parseClientMessage,
  type ClientMessage, type ErrorCode, type HubMessage, type RequestId,
} from '../protocol/index.ts';
import { handlers, type Handler } from './handlers.ts';
import type { HubCore } from './hub-core.ts';
import { sendFrame } from './send-frame.ts';
import type { Session } from './session.ts';

export class Connection {
  /** Replaced when the connection resumes an earlier session. */
  session: Session;
  private readonly bucket: TokenBucket;
  private busy = false;
  private awaitingPong = false;
  /** session.lastSeq when the outstanding ping was sent: its pong confirms frames up to here. */
  private pingedAtSeq = 0;
  /** Frames that arrived while an async handler ran (the socket is paused then; this holds at most a read's worth). */
  private backlog: { data: RawData; isBinary: boolean }[] = [];

  constructor(
    readonly ws: WebSocket,
    private readonly core: HubCore,
  ) {
    const { options } = core;
    this.bucket = new TokenBucket(options.messagesPerSecond, options.messageBurst);
    this.session = core.sessions.create();
    this.session.attach(ws);
    ws.on('message', (data, isBinary) => this.onFrame(data, isBinary));
    ws.on('pong', () => this.onPong());
    ws.on('close', (code) => core.sessions.socketClosed(this.session, ws, code));
    ws.on('error', (err) => core.logger.debug({ peerId: this.session.peerId, err: err.message }, 'socket error'));
    this.sendUncounted({
      type: 'welcome',
      protocol: PROTOCOL_VERSION,
      peerId: this.session.peerId,
      resumeToken: this.session.resumeToken,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      resumeGraceMs: options.resumeGraceMs,
      limits: {
        maxFrameBytes: options.maxFrameBytes,
        messagesPerSecond: options.messagesPerSecond,
        messageBurst: options.messageBurst,
        maxRoomsPerConnection: options.maxRoomsPerConnection,
      },
    });
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
    if (this.awaitingPong) {
      this.ws.terminate();
      return;
    }
    this.awaitingPong = true;
    this.pingedAtSeq = this.session.lastSeq;
    this.ws.ping();
  }

  private onPong(): void {
    if (!this.awaitingPong) return; // unsolicited pong (RFC 6455 §5.5.3 allows it): confirms nothing
    this.awaitingPong = false;
    this.session.confirmThrough(this.pingedAtSeq);
  }

  sendError(code: ErrorCode, message: string, ref?: RequestId): void {
    this.send(ref === undefined ? { type: 'error', code, message } : { type: 'error', code, message, ref });
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    if (this.busy) {
      this.backlog.push({ data, isBinary });
      return;
    }
    this.process(data, isBinary);
  }

  private process(data: RawData, isBinary: boolean): void {
    const { options } = this.core;
    if (!this.bucket.take()) {
      this.sendError('rate-limited', `more than ${options.messagesPerSecond} messages/s; message dropped`);
      return;
    }
    if (isBinary) {
      this.sendError('binary-not-supported', 'signaling frames are JSON text');
      return;
    }
    // The hub's sockets use binaryType 'nodebuffer': a frame arrives as one Buffer of its UTF-8 bytes.
    const frame = data as Buffer;
    if (frame.length > options.maxFrameBytes) {
      this.sendError('payload-too-large', `frames are limited to ${options.maxFrameBytes} bytes`);
      return;
    }
    const parsed = parseClientMessage(frame.toString(), this.core.parseLimits);
    if (!parsed.ok) {
      this.sendError(parsed.code, parsed.message, parsed.ref);
      return;
    }
    this.dispatch(parsed.message);
  }

  private dispatch(message: ClientMessage): void {
    let result: void | Promise<void>;
    try {
      result = (handlers[message.type] as Handler<ClientMessage>)(this.core, this, message);
    } catch (err) {
      this.failed(message, err);
      return;
    }
    if (result === undefined) return;
    this.busy = true;
    this.ws.pause();
    result
      .catch((err: unknown) => this.failed(message, err))
      .finally(() => {
        this.busy = false;
        this.ws.resume();
        this.drain();
      });
  }

  private drain(): void {
    while (!this.busy && this.backlog.length > 0) {
      const next = this.backlog.shift()!;
      this.process(next.data, next.isBinary);
    }
  }

  private failed(message: ClientMessage, err: unknown): void {
    this.core.logger.error({ err, type: message.type, peerId: this.session.peerId }, 'handler failed');
    this.sendError('internal-error', `the hub failed to handle ${message.type}`, message.id);
  }
}

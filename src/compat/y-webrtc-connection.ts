/**
 * One y-webrtc signaling socket: the hub's per-connection budgets (messages, bytes), frame size, parsing,
 * a handler per type, liveness by WebSocket ping, and its subscriptions dropped when it closes. Everything
 * is synchronous, so frames are handled in order without a queue.
 */
import type WebSocket from 'ws';
import type { RawData } from 'ws';
import type { ErrorCode } from '../protocol/codes.ts';
import { TokenBucket } from '../protocol/token-bucket.ts';
import type { Logger } from '../hub/logger.ts';
import type { Budget, HubMetrics } from '../hub/ops/metrics.ts';
import type { HubOptions } from '../hub/options.ts';
import { sendFrame } from '../hub/send-frame.ts';
import { nextHeartbeatSlot, type Pingable } from '../hub/heartbeat.ts';
import { yWebrtcHandlers } from './y-webrtc-handlers.ts';
import { encodeError, parseYWebrtcFrame, type YWebrtcMessage } from './y-webrtc-messages.ts';
import type { YWebrtcMetrics } from './y-webrtc-metrics.ts';
import type { TopicRegistry, TopicSubscriber } from './y-webrtc-topics.ts';

/** The hub options the y-webrtc endpoint uses: its own, and the hub's per-connection limits. */
export type YWebrtcOptions = Pick<HubOptions,
  | 'yWebrtcMaxConnections' | 'yWebrtcMaxTopicsPerConnection' | 'yWebrtcMaxTopicLength' | 'yWebrtcMaxTopics'
  | 'maxFrameBytes' | 'maxJsonDepth' | 'messagesPerSecond' | 'messageBurst' | 'bytesPerSecond' | 'byteBurst'
  | 'maxBufferedBytes' | 'heartbeatIntervalMs'>;

/** What the y-webrtc connections and handlers share. */
export interface YWebrtcCore {
  readonly options: YWebrtcOptions;
  readonly topics: TopicRegistry;
  readonly metrics: YWebrtcMetrics;
  /** Errors, rate limits and slow consumers count in the hub's own metrics. */
  readonly hubMetrics: Pick<HubMetrics, 'error' | 'rateLimited' | 'slowConsumerCut'>;
  readonly logger: Logger;
}

export class YWebrtcConnection implements TopicSubscriber, Pingable {
  readonly heartbeatSlot = nextHeartbeatSlot();
  /** Topics this socket subscribes to (the registry holds the other direction). */
  readonly subscribed = new Set<string>();
  private readonly messages: TokenBucket;
  private readonly bytes: TokenBucket;
  private awaitingPong = false;

  constructor(private readonly ws: WebSocket, private readonly core: YWebrtcCore) {
    const { options } = core;
    this.messages = new TokenBucket(options.messagesPerSecond, options.messageBurst);
    this.bytes = new TokenBucket(options.bytesPerSecond, options.byteBurst);
    ws.on('message', (data) => this.onFrame(data));
    ws.on('pong', () => (this.awaitingPong = false));
    ws.on('close', () => {
      core.topics.unsubscribe(this.subscribed, this);
      this.subscribed.clear();
    });
    ws.on('error', (err) => core.logger.debug({ err: err.message }, 'y-webrtc socket error'));
  }

  /** TopicSubscriber: one frame to this socket; a reader more than maxBufferedBytes behind is closed with 4008. */
  deliver(frame: string): void {
    if (sendFrame(this.ws, frame, this.core.options.maxBufferedBytes) === 'cut-off') this.core.hubMetrics.slowConsumerCut();
  }

  /** Charges bytes beyond the frame itself; false, and nothing charged, when the budget cannot pay. */
  spendBytes(count: number): boolean {
    return count <= 0 || this.bytes.take(count);
  }

  sendError(code: ErrorCode, message: string): void {
    this.core.hubMetrics.error(code);
    this.deliver(encodeError(code, message));
  }

  rateLimited(budget: Budget, message: string): void {
    this.core.hubMetrics.rateLimited(budget);
    this.sendError('rate-limited', message);
  }

  /** One heartbeat tick: a socket that has not answered the previous ping is dead (RFC 6455 §5.5.2-3). */
  heartbeat(): void {
    if (this.awaitingPong) {
      this.ws.terminate();
      return;
    }
    this.awaitingPong = true;
    this.ws.ping();
  }

  private onFrame(data: RawData): void {
    const { options } = this.core;
    // binaryType 'nodebuffer': one Buffer per frame. Binary frames are read as UTF-8 JSON, as the original does.
    const frame = data as Buffer;
    if (!this.messages.take()) return this.rateLimited('messages', `message budget: more than ${options.messagesPerSecond} messages/s; message dropped`);
    if (!this.bytes.take(frame.length)) return this.rateLimited('bytes', `byte budget: more than ${options.bytesPerSecond} bytes/s; message dropped`);
    if (frame.length > options.maxFrameBytes) return this.sendError('payload-too-large', `frames are limited to ${options.maxFrameBytes} bytes`);
    const parsed = parseYWebrtcFrame(frame.toString(), options);
    if (!parsed.ok) return this.sendError(parsed.code, parsed.message);
    this.dispatch(parsed.message);
  }

  private dispatch(message: YWebrtcMessage): void {
    this.core.metrics.messageIn(message.type);
    try {
      (yWebrtcHandlers[message.type] as (core: YWebrtcCore, conn: YWebrtcConnection, m: YWebrtcMessage) => void)(this.core, this, message);
    } catch (err) {
      // A listener never throws: one failed message is reported, and the socket carries on.
      this.core.logger.error({ err, type: message.type }, 'y-webrtc handler failed');
      this.sendError('internal-error', `the hub failed to handle ${message.type}`);
    }
  }
}

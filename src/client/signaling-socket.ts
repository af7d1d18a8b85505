/**
 * The room client's connection to the hub: one WebSocket at a time, reconnected with backoff and jitter
 * when it drops, and resumed (same peer id, rooms, and every frame the hub sent meanwhile). Outgoing
 * messages wait in order while the socket is down, and are paced under the hub's rate limit.
 */
import {
  CLOSE_CODES, TokenBucket, type ClientLimits, type ClientMessage, type HubMessage, type ResumedMessage, type WelcomeMessage, parseHubMessage,
} from '../protocol/index.ts';
import { Emitter } from './emitter.ts';

/** The part of the WebSocket API used here: the browser's WebSocket and `ws` both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev?: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev?: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketFactory = (url: string) => WebSocketLike;

export type SignalingState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface SignalingEvents extends Record<string, unknown> {
  message: HubMessage;
  state: SignalingState;
  /** The connection came back as the same session. */
  resumed: ResumedMessage;
  /** The connection came back as a new session: the old peer id and rooms are gone. */
  'session-lost': WelcomeMessage;
  /** The hub ended the session for good (4001 replaced, 4003 kicked): no reconnect follows. */
  ended: { code: number; reason: string };
}

export interface SignalingOptions {
  reconnectMinMs: number;
  reconnectMaxMs: number;
}

const OPEN = 1;
/** Keep 10% under the hub's advertised rate so that clock differences never trip it. */
const RATE_HEADROOM = 0.9;

export class SignalingSocket extends Emitter<SignalingEvents> {
  state: SignalingState = 'connecting';
  welcome: WelcomeMessage | undefined;
  /** Frames received in this session, except welcome and resumed (what a resume reports). */
  received = 0;
  private ws: WebSocketLike | undefined;
  private outbox: string[] = [];
  /** Pace what we send under the hub's limits, messages and bytes (set from welcome; a server peer's change). */
  private bucket: TokenBucket | undefined;
  private byteBucket: TokenBucket | undefined;
  private currentLimits: ClientLimits | undefined;
  private pumpTimer: ReturnType<typeof setTimeout> | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private attempts = 0;
  private closedByUs = false;
  /** While resuming: the count to report, and whether the frames in between belong to a fresh session. */
  private resuming: { received: number; fresh: WelcomeMessage } | undefined;

  constructor(
    private readonly url: string,
    private readonly createWebSocket: WebSocketFactory,
    private readonly options: SignalingOptions,
  ) {
    super();
  }

  get peerId(): string | undefined {
    return this.welcome?.peerId;
  }

  get limits(): ClientLimits | undefined {
    return this.currentLimits;
  }

  /** Opens the first connection; resolves with the hub's welcome, rejects if the hub cannot be reached. */
  connect(): Promise<WelcomeMessage> {
    return new Promise((resolve, reject) => {
      const ws = this.open();
      const offWelcome = this.on('message', (m) => {
        if (m.type !== 'welcome') return;
        offWelcome();
        resolve(m);
      });
      ws.onerror = () => {
        if (this.welcome !== undefined) return;
        offWelcome();
        this.closedByUs = true;
        this.setState('closed');
        reject(new Error(`cannot reach the hub at ${this.url}`));
      };
    });
  }

  /** Queues a message for the hub; sent in order, paced under the hub's rate limit. */
  send(message: ClientMessage): void {
    this.outbox.push(JSON.stringify(message));
    this.pump();
  }

  /** Messages waiting to be sent (socket down, or paced under the rate limit). */
  get backlog(): number {
    return this.outbox.length;
  }

  /** Forgets what waits to be sent: after the session was lost, it was addressed to a past. */
  clearBacklog(): void {
    this.outbox = [];
  }

  /** Drops the socket as a network failure would (the client then reconnects and resumes). */
  dropForTest(): void {
    const ws = this.ws as (WebSocketLike & { terminate?: () => void }) | undefined;
    if (ws?.terminate !== undefined) ws.terminate(); // ws: no close frame, as a dead network
    else ws?.close(4000, 'dropped');
  }

  close(): void {
    if (this.closedByUs) return;
    this.closedByUs = true;
    clearTimeout(this.pumpTimer);
    clearTimeout(this.reconnectTimer);
    this.ws?.close(1000, 'bye');
    this.setState('closed');
  }

  private open(): WebSocketLike {
    const ws = this.createWebSocket(this.url);
    this.ws = ws;
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return;
      this.onFrame(String(ev.data));
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      if (ev?.code === CLOSE_CODES.replaced || ev?.code === CLOSE_CODES.kicked) {
        // Another connection took our session over (our resume token was used elsewhere), or an operator
        // removed us: reconnecting would take the session back, or defy the operator.
        this.ws = undefined; // already closed: close() sends nothing more
        this.close();
        this.emit('ended', { code: ev.code, reason: ev.reason });
        return;
      }
      this.onSocketClosed();
    };
    ws.onerror = () => {}; // onclose follows
    return ws;
  }

  private onFrame(raw: string): void {
    const message = parseHubMessage(raw);
    if (message === null) return;
    if (message.type === 'welcome') return this.onWelcome(message);
    if (message.type === 'resumed') {
      this.setLimits(message.limits);
      this.received = this.resuming?.received ?? this.received;
      this.resuming = undefined;
      this.attempts = 0;
      this.welcome = { ...this.welcome!, peerId: message.peerId, resumeToken: message.resumeToken };
      this.setState('open');
      this.emit('resumed', message);
      this.pump();
      return;
    }
    this.received++;
    if (message.type === 'error' && message.code === 'resume-failed' && this.resuming !== undefined) {
      // The hub no longer has our session: carry on as the fresh one this connection was given.
      this.welcome = this.resuming.fresh;
      this.resuming = undefined;
      this.attempts = 0;
      this.setState('open');
      this.emit('session-lost', this.welcome!);
      this.pump();
      return;
    }
    if ((message.type === 'watching' || message.type === 'joined') && message.limits !== undefined) this.setLimits(message.limits);
    this.emit('message', message);
  }

  /** Paces under these limits from now on (10% under them, so clock differences never trip the hub). */
  private setLimits(limits: ClientLimits | undefined): void {
    if (limits === undefined) return;
    this.currentLimits = limits;
    this.bucket = new TokenBucket(limits.messagesPerSecond * RATE_HEADROOM, limits.messageBurst * RATE_HEADROOM);
    // A hub older than byte budgets announces none: pace by messages only.
    this.byteBucket = limits.bytesPerSecond > 0 ? new TokenBucket(limits.bytesPerSecond * RATE_HEADROOM, limits.byteBurst * RATE_HEADROOM) : undefined;
  }

  private onWelcome(message: WelcomeMessage): void {
    const previous = this.welcome;
    if (previous === undefined) {
      this.welcome = message;
      this.received = 0;
      this.setLimits(message.limits);
      this.setState('open');
      this.emit('message', message);
      this.pump();
      return;
    }
    // A reconnect: ask for the old session back before anything else is sent.
    // A reconnect while a resume was on its way: the count to report is still the one from before.
    this.resuming = { received: this.resuming?.received ?? this.received, fresh: message };
    this.received = 0; // frames before `resumed` (only an error) belong to the fresh session
    this.welcome = { ...message, resumeToken: previous.resumeToken, peerId: previous.peerId };
    this.ws!.send(JSON.stringify({ type: 'resume', token: previous.resumeToken, received: this.resuming.received }));
  }

  private onSocketClosed(): void {
    this.ws = undefined;
    clearTimeout(this.pumpTimer);
    if (this.closedByUs) return;
    if (this.welcome === undefined) return; // the first connect failed: connect() has rejected
    this.setState('reconnecting');
    const base = Math.min(this.options.reconnectMaxMs, this.options.reconnectMinMs * 2 ** this.attempts);
    this.attempts++;
    const delay = base / 2 + Math.random() * (base / 2); // "equal jitter": spread reconnects of many clients
    this.reconnectTimer = setTimeout(() => this.open(), delay);
  }

  private pump(): void {
    const ws = this.ws;
    const bucket = this.bucket;
    if (ws === undefined || bucket === undefined || ws.readyState !== OPEN || this.state !== 'open' || this.pumpTimer !== undefined) return;
    const bytes = this.byteBucket;
    let sent = 0;
    let waitMs = 0;
    while (sent < this.outbox.length) {
      const frame = this.outbox[sent]!;
      // Frame length in UTF-16 units: the bytes of JSON that is mostly ASCII (base64, ids, SDP).
      const cost = Math.min(frame.length, bytes?.capacityTokens ?? 0);
      const byteWaitMs = bytes?.msUntilNext(cost) ?? 0;
      if (byteWaitMs > 0) {
        waitMs = byteWaitMs;
        break;
      }
      if (!bucket.take()) {
        waitMs = bucket.msUntilNext();
        break;
      }
      bytes?.take(cost);
      ws.send(frame);
      sent++;
    }
    this.outbox.splice(0, sent);
    if (this.outbox.length > 0) {
      this.pumpTimer = setTimeout(() => {
        this.pumpTimer = undefined;
        this.pump();
      }, waitMs);
    }
  }

  private setState(state: SignalingState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit('state', state);
  }
}

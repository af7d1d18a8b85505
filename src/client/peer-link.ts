/**
 * Everything between this client and one remote peer: the transport ladder and reliable delivery.
 *
 *   connecting --DataChannel open--> direct | turn
 *   connecting --p2pTimeoutMs, ICE failure, or P2P off--> relay (through the hub)
 *   direct | turn --ICE disconnected--> relay, and back when ICE reconnects
 *   direct | turn --channel closed, ICE failed--> relay; the impolite side retries P2P with backoff
 *   any --the room becomes a star--> star (through the server peer; relay while it is unreachable);
 *   star --the room becomes a mesh--> P2P again
 *
 * Messages are numbered per link (ReliableSender/ReliableReceiver): whatever path carries them, and
 * however often it changes, each arrives once and in order. On every path change, what is not yet
 * acknowledged is sent again on the new path; the receiver drops the duplicates.
 */
import type { IceServer, LinkPathName } from '../protocol/index.ts';
import { SendQueueFullError } from './errors.ts';
import { LinkOutbox, type StarSend } from './link-outbox.ts';
import { decodeBatch, encodeAck, encodeForward, encodeTime, fromBase64, WireError } from './link-wire.ts';
import type { ClientOptions } from './options.ts';
import { P2PAttempt, type AttemptSignal } from './p2p-attempt.ts';
import type { ReceiveBudget } from './receive-budget.ts';
import { ReliableReceiver, type LinkResetReason } from './reliable-receiver.ts';
import { ReliableSender, chunkPayloadBytes, type LinkMessage } from './reliable-stream.ts';
import { messageBytes, onBufferedAmountLow, selectedPath, type RtcDataChannel, type RtcFactory } from './rtc.ts';

/** star: through the server peer's DataChannels (a room in star topology). */
export type LinkPath = LinkPathName;


/** What a link asks of its client. */
export interface LinkHost {
  readonly localId: string;
  readonly options: ClientOptions;
  /** What all links of the client may hold on the receiving side, together. */
  readonly receiveBudget: ReceiveBudget;
  /** undefined when P2P is off for this client */
  readonly rtc: RtcFactory | undefined;
  iceServers(): IceServer[];
  sendSignal(to: string, data: LinkSignal): void;
  sendRelay(to: string, batch: string): void;
  /** Largest batch (bytes, before base64) that fits one hub relay frame. */
  relayBatchBytes(): number;
  /** Whether every relay frame handed over so far has left for the hub. */
  relayIdle(): boolean;
  /** Star topology: hands a batch of this link to the server peer's link, to be forwarded to `to`. */
  sendViaServer(to: string, batch: Uint8Array): StarSend;
  /** A FORWARD record arrived on this link (from the server peer, or to be forwarded by us). */
  forwarded(via: string, peer: string, batch: Uint8Array): void;
  deliver(from: string, message: LinkMessage, path: LinkPath): void;
  pathChanged(peerId: string, path: LinkPath, previous: LinkPath): void;
  /** The peer broke a receive bound: its partial message was dropped (`droppedBytes` of it). */
  linkReset(peerId: string, reason: LinkResetReason, droppedBytes: number): void;
}

/** The `data` of a hub `signal` between two links. */
export interface LinkSignal extends AttemptSignal {
  gen: number;
  /** The sender does not do P2P: relay only, and do not retry. */
  noP2P?: true;
  /** The sender lost its DataChannel: please start a new attempt. */
  lost?: true;
}

export function isLinkSignal(data: unknown): data is LinkSignal {
  if (data === null || typeof data !== 'object') return false;
  const s = data as Record<string, unknown>;
  if (!Number.isSafeInteger(s.gen)) return false;
  if (s.description !== undefined) {
    const d = s.description as Record<string, unknown> | null;
    if (d === null || typeof d !== 'object' || typeof d.type !== 'string' || typeof d.sdp !== 'string') return false;
  }
  if (s.candidate !== undefined && (s.candidate === null || typeof s.candidate !== 'object')) return false;
  return true;
}

export class PeerLink {
  path: LinkPath = 'connecting';
  rttMs: number | undefined;
  /** ICE state of the current P2P attempt, for diagnostics: new, checking, connected, disconnected, failed, or off. */
  iceState = 'new';
  readonly polite: boolean;
  private readonly sender = new ReliableSender();
  private readonly receiver: ReliableReceiver;
  private readonly outbox: LinkOutbox;
  private attempt: P2PAttempt | undefined;
  private channel: RtcDataChannel | undefined;
  private gen = 0;
  private retries = 0;
  private remoteNoP2P = false;
  private ackTimer: ReturnType<typeof setTimeout> | undefined;
  private p2pTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly rttTimer: ReturnType<typeof setInterval>;
  private readonly retransmitTimer: ReturnType<typeof setInterval>;
  /** Set when an ACK shrank what is unacknowledged since the last retransmit check. */
  private ackProgress = false;
  /** The room(s) shared with this peer are stars: no P2P; batches go through the server peer. */
  private star = false;
  /** The path the DataChannel takes (direct or turn), once known. */
  private p2pPath: 'direct' | 'turn' = 'direct';
  private closed = false;
  private closing: Promise<void> = Promise.resolve();

  constructor(
    readonly peerId: string,
    private readonly host: LinkHost,
  ) {
    // Deterministic roles: both sides compute the same answer without talking.
    this.polite = host.localId < peerId;
    const o = host.options;
    this.receiver = new ReliableReceiver(o, host.receiveBudget, (reason, bytes) => host.linkReset(peerId, reason, bytes));
    this.outbox = new LinkOutbox({
      options: o,
      route: () => {
        if (this.path === 'star') return { kind: 'star' };
        if (this.path === 'relay') return { kind: 'relay' };
        const channel = this.channel;
        return channel !== undefined && channel.readyState === 'open' ? { kind: 'channel', channel } : { kind: 'none' };
      },
      sendRelay: (batch) => host.sendRelay(peerId, batch),
      relayIdle: () => host.relayIdle(),
      relayBatchBytes: () => host.relayBatchBytes(),
      sendViaServer: (batch) => host.sendViaServer(peerId, batch),
      channelFailed: () => this.attemptFailed(this.attempt, 'send failed'),
    });
    this.rttTimer = setInterval(() => this.queueControl(encodeTime('ping', nowMs())), o.rttIntervalMs);
    this.retransmitTimer = setInterval(() => this.retransmitIfStalled(), o.retransmitMs);
    if (host.rtc === undefined) {
      this.host.sendSignal(peerId, { gen: 0, noP2P: true });
      this.iceState = 'off';
      this.useRelay();
    } else {
      this.armP2PTimeout();
      if (!this.polite) this.startAttempt();
    }
    this.queueControl(encodeTime('ping', nowMs()));
  }

  /** Bytes sent or queued on this link and not yet acknowledged by the peer. */
  get bufferedAmount(): number {
    return this.sender.unackedBytes;
  }

  send(message: LinkMessage): void {
    if (this.sender.unackedBytes > this.host.options.maxQueuedBytes) {
      throw new SendQueueFullError(`more than ${this.host.options.maxQueuedBytes} bytes unacknowledged to ${this.peerId}`);
    }
    this.outbox.pushData(this.sender.encode(message, chunkPayloadBytes(this.host.options.batchBytes)));
  }

  /** A `signal` from the peer through the hub. */
  onSignal(data: LinkSignal): void {
    if (this.closed) return;
    if (this.star && !data.noP2P) return; // a peer that has not heard of the star yet: it will
    if (data.noP2P) {
      this.remoteNoP2P = true;
      this.iceState = 'off';
      this.stopAttempt();
      clearTimeout(this.retryTimer);
      this.useRelay();
      return;
    }
    if (this.host.rtc === undefined) {
      if (data.description?.type === 'offer') this.host.sendSignal(this.peerId, { gen: data.gen, noP2P: true });
      return;
    }
    if (data.lost) {
      if (!this.polite && data.gen === this.gen) this.attemptFailed(this.attempt, 'peer lost its channel');
      return;
    }
    if (data.gen < this.gen) return; // an older attempt
    if (data.gen > this.gen || this.attempt === undefined) {
      // Only an offer starts an attempt here (the impolite side starts them); stray candidates do not.
      if (data.description?.type !== 'offer') return;
      this.gen = data.gen;
      this.startAttempt();
    }
    void this.attempt!.handle(data);
  }

  /**
   * Star topology on or off for this link. Switching is lossless like every path change: whatever is
   * unacknowledged goes again on the new path and the receiver drops duplicates.
   */
  setStar(on: boolean): void {
    if (this.closed || on === this.star) return;
    this.star = on;
    if (on) {
      clearTimeout(this.p2pTimer);
      clearTimeout(this.retryTimer);
      void this.stopAttempt();
      this.iceState = 'off';
      this.switchTo('star');
      return;
    }
    this.iceState = 'new';
    if (this.host.rtc === undefined || this.remoteNoP2P) return this.useRelay();
    this.armP2PTimeout();
    if (!this.polite) {
      this.gen++;
      this.startAttempt();
    }
    // keeps using the star until the DataChannel opens (or relay if the p2p timeout passes)
  }

  /** A batch of this link that the server peer forwarded (star topology). */
  onForwarded(batch: Uint8Array): void {
    this.receiveBatch(batch, 'star');
  }

  /** Queues a FORWARD record on this link (which must lead to or from a server peer). */
  forward(peer: string, batch: Uint8Array): void {
    this.queueControl(encodeForward(peer, batch));
  }

  /** Records waiting on this link: the server peer's link is "busy" beyond a bound. */
  get backlog(): number {
    return this.outbox.backlog;
  }

  /** A hub `relay` from the peer. */
  onRelay(batch: string): void {
    let bytes: Uint8Array;
    try {
      bytes = fromBase64(batch);
    } catch {
      return;
    }
    this.receiveBatch(bytes, 'relay');
  }

  /** Stops the link; resolves once its peer connection has closed. */
  close(): Promise<void> {
    if (this.closed) return this.closing;
    this.closed = true;
    clearInterval(this.rttTimer);
    clearInterval(this.retransmitTimer);
    clearTimeout(this.ackTimer);
    clearTimeout(this.p2pTimer);
    clearTimeout(this.retryTimer);
    this.outbox.close();
    this.receiver.close();
    this.closing = this.stopAttempt();
    return this.closing;
  }

  // ---- the ladder ----

  private startAttempt(): void {
    this.stopAttempt();
    const gen = this.gen;
    const attempt: P2PAttempt = new P2PAttempt(gen, this.polite, this.host.rtc!, {
      iceServers: this.host.iceServers(),
      iceTransportPolicy: this.host.options.iceTransportPolicy as 'all' | 'relay',
    }, {
      signal: (data) => this.host.sendSignal(this.peerId, { gen, ...data }),
      open: (channel, pc) => {
        if (this.attempt !== attempt) return;
        this.channelOpened(channel);
        void selectedPath(pc).then((path) => {
          this.p2pPath = path ?? 'direct';
          if (this.channel === channel && this.path !== 'relay') this.setPath(this.p2pPath);
        }).catch(() => {});
      },
      ice: (state) => {
        if (this.attempt !== attempt) return;
        this.iceState = state;
        if (this.channel === undefined) return;
        if (state === 'disconnected') this.useRelay();
        else if ((state === 'connected' || state === 'completed') && this.path === 'relay') this.useChannel();
      },
      failed: (reason) => this.attemptFailed(attempt, reason),
    });
    this.attempt = attempt;
  }

  private stopAttempt(): Promise<void> {
    const closing = this.attempt?.close() ?? Promise.resolve();
    this.attempt = undefined;
    this.channel = undefined;
    return closing;
  }

  private armP2PTimeout(): void {
    clearTimeout(this.p2pTimer);
    this.p2pTimer = setTimeout(() => {
      if (this.channel !== undefined || this.closed) return;
      // The polite side keeps its attempt (the peer may still get through); the impolite one starts over.
      if (this.polite) this.useRelay();
      else this.attemptFailed(this.attempt, 'timed out');
    }, this.host.options.p2pTimeoutMs);
  }

  private channelOpened(channel: RtcDataChannel): void {
    clearTimeout(this.p2pTimer);
    clearTimeout(this.retryTimer);
    this.retries = 0;
    this.channel = channel;
    channel.bufferedAmountLowThreshold = this.host.options.lowWaterMarkBytes;
    onBufferedAmountLow(channel, () => this.outbox.schedule());
    channel.onmessage = (ev) => {
      const bytes = messageBytes(ev.data);
      if (bytes !== null && this.channel === channel) this.receiveBatch(bytes, this.path === 'relay' ? 'direct' : this.path);
    };
    this.useChannel();
  }

  /** Send over the channel from now on, starting with whatever is unacknowledged. */
  private useChannel(): void {
    this.setPath(this.p2pPath);
    this.outbox.replaceData(this.sender.pending());
  }

  /** Send through the hub from now on, starting with whatever is unacknowledged. */
  private useRelay(): void {
    this.switchTo(this.star ? 'star' : 'relay');
  }

  private switchTo(path: 'relay' | 'star'): void {
    this.setPath(path);
    this.outbox.replaceData(this.sender.pending());
  }

  private attemptFailed(attempt: P2PAttempt | undefined, _reason: string): void {
    if (this.closed || attempt !== this.attempt || this.star) return;
    // This attempt's timeout must not fire later and count the same failure again (doubling the backoff).
    clearTimeout(this.p2pTimer);
    this.iceState = 'failed';
    this.stopAttempt();
    this.useRelay();
    if (this.remoteNoP2P) return;
    if (this.polite) {
      this.host.sendSignal(this.peerId, { gen: this.gen, lost: true });
      return;
    }
    clearTimeout(this.retryTimer);
    const o = this.host.options;
    const base = Math.min(o.p2pRetryMaxMs, o.p2pRetryMinMs * 2 ** this.retries);
    this.retries++;
    this.retryTimer = setTimeout(() => {
      if (this.closed || this.channel !== undefined) return;
      this.gen++;
      this.armP2PTimeout();
      this.startAttempt();
    }, base * (0.8 + Math.random() * 0.4));
  }

  private setPath(path: LinkPath): void {
    if (path === this.path || this.closed) return;
    const previous = this.path;
    this.path = path;
    this.host.pathChanged(this.peerId, path, previous);
  }

  // ---- sending ----

  private queueControl(record: Uint8Array): void {
    if (!this.closed) this.outbox.pushControl(record);
  }

  // ---- receiving ----

  private receiveBatch(bytes: Uint8Array, path: LinkPath): void {
    if (this.closed) return;
    let records;
    try {
      records = decodeBatch(bytes);
    } catch (err) {
      if (err instanceof WireError) return; // a corrupt batch from a buggy peer: the sender will resend
      throw err;
    }
    let gotData = false;
    for (const r of records) {
      if (r.kind === 'data') {
        gotData = true;
        for (const message of this.receiver.receive(r.seq, r.flags, r.payload)) this.host.deliver(this.peerId, message, path);
      } else if (r.kind === 'ack') {
        const before = this.sender.unackedCount;
        this.sender.acknowledge(r.seq);
        if (this.sender.unackedCount < before) this.ackProgress = true;
      } else if (r.kind === 'ping') {
        this.queueControl(encodeTime('pong', r.time));
      } else if (r.kind === 'pong') {
        this.rttMs = Math.max(0, nowMs() - r.time);
      } else {
        this.host.forwarded(this.peerId, r.peer, r.batch.slice());
      }
    }
    if (gotData) this.scheduleAck();
  }

  private scheduleAck(): void {
    if (this.ackTimer !== undefined) return;
    // Over the hub an ACK may cost a frame of the rate limit: acknowledge less often there.
    const delay = this.host.options.ackDelayMs * (this.path === 'relay' ? RELAY_ACK_FACTOR : 1);
    this.ackTimer = setTimeout(() => {
      this.ackTimer = undefined;
      this.queueControl(encodeAck(this.receiver.acknowledged));
    }, delay);
  }

  /**
   * On the relay path nothing else notices a frame lost with a dropped signaling socket: when a whole
   * retransmitMs passed without an acknowledgement, and nothing is still waiting to leave, resend.
   */
  private retransmitIfStalled(): void {
    const stalled = (this.path === 'relay' || this.path === 'star') && this.sender.unackedCount > 0 && !this.ackProgress && this.host.relayIdle();
    this.ackProgress = false;
    if (!stalled) return;
    this.outbox.replaceData(this.sender.pending());
  }
}

/** ACK delay on the relay path, as a multiple of ackDelayMs */
const RELAY_ACK_FACTOR = 5;

function nowMs(): number {
  return performance.now();
}

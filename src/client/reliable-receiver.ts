/**
 * The receiving half of a link's reliable stream: puts numbered chunks back in order, drops duplicates,
 * reassembles messages, and knows what to acknowledge. What it holds is bounded in bytes, so that a peer
 * cannot grow our memory with messages that never end, oversized messages, or chunks far ahead:
 *
 * - a message being reassembled: at most maxMessageBytes of data plus its header. Beyond, the message is
 *   dropped and the link *reset*: later chunks are still taken in order and acknowledged (so an honest
 *   sender's queue drains), but discarded up to the next first chunk, where reassembly starts afresh.
 * - chunks ahead of a gap: at most maxEarlyBytes (each counted with EARLY_CHUNK_OVERHEAD_BYTES); more are
 *   dropped, and the sender sends them again (it resends whatever is unacknowledged).
 * - both, all links of a client together: the shared ReceiveBudget.
 *
 * Resets are reported (`onReset`); nothing else on the client notices.
 */
import type { ClientCode } from '../protocol/index.ts';
import { FLAG, MAX_MESSAGE_HEADER_BYTES } from './link-wire.ts';
import type { ReceiveBudget, BudgetHolder } from './receive-budget.ts';
import type { LinkMessage } from './reliable-stream.ts';

/** Why a link's partial message was dropped. */
export type LinkResetReason = Extract<ClientCode, 'message-too-large' | 'receive-buffer-full' | 'bad-message'>;

export interface ReceiveLimits {
  /** Largest message data; its reassembly may hold this plus MAX_MESSAGE_HEADER_BYTES. */
  maxMessageBytes: number;
  /** Chunks ahead of a gap, bytes (each chunk counts its payload + EARLY_CHUNK_OVERHEAD_BYTES). */
  maxEarlyBytes: number;
}

/** What one kept chunk costs beyond its payload (Map entry, record object, typed array): an estimate. */
export const EARLY_CHUNK_OVERHEAD_BYTES = 128;
/** First capacity of a reassembly buffer; it doubles as the message grows, up to the message bound. */
const MIN_PARTIAL_CAPACITY = 64 * 1024;

const decoder = new TextDecoder();

export class ReliableReceiver implements BudgetHolder {
  private expected = 1;
  private readonly early = new Map<number, { flags: number; payload: Uint8Array }>();
  earlyBytes = 0;
  /** The message being reassembled (capacity grows by doubling; its bytes count against the budget). */
  private partial = new Uint8Array(0);
  partialLength = 0;
  private partialFlags = 0;
  /** reading: inside a message; skipping: after a reset, discarding up to the next first chunk. */
  private state: 'idle' | 'reading' | 'skipping' = 'idle';
  private readonly maxWholeBytes: number;
  duplicates = 0;
  /** Chunks ahead of a gap not kept (over a bound): their sender resends them. */
  earlyDropped = 0;
  resets = 0;

  constructor(
    private readonly limits: ReceiveLimits,
    private readonly budget: ReceiveBudget,
    private readonly onReset: (reason: LinkResetReason, droppedBytes: number) => void = () => {},
  ) {
    this.maxWholeBytes = limits.maxMessageBytes + MAX_MESSAGE_HEADER_BYTES;
    budget.register(this);
  }

  /** The cumulative acknowledgement to send: every chunk up to here has arrived. */
  get acknowledged(): number {
    return this.expected - 1;
  }

  get partialBytes(): number {
    return this.partial.length;
  }

  /** Takes one DATA record; returns the messages it completes, in order. */
  receive(seq: number, flags: number, payload: Uint8Array): LinkMessage[] {
    if (seq < this.expected || this.early.has(seq)) {
      this.duplicates++;
      return [];
    }
    if (seq > this.expected) {
      this.keepEarly(seq, flags, payload);
      return [];
    }
    const done: LinkMessage[] = [];
    this.take(flags, payload, done);
    for (let next = this.early.get(this.expected); next !== undefined; next = this.early.get(this.expected)) {
      this.early.delete(this.expected);
      this.releaseEarly(next.payload.length + EARLY_CHUNK_OVERHEAD_BYTES);
      this.take(next.flags, next.payload, done);
    }
    return done;
  }

  dropEarly(): void {
    this.earlyDropped += this.early.size;
    this.early.clear();
    this.budget.release(this.earlyBytes);
    this.earlyBytes = 0;
  }

  /** The shared budget needs our partial message's bytes for a smaller one. */
  resetPartial(): void {
    if (this.state !== 'reading') return;
    this.reset('receive-buffer-full', true);
  }

  /** The link is gone: give back everything to the shared budget. */
  close(): void {
    this.dropEarly();
    this.freePartial();
    this.state = 'idle';
    this.budget.unregister(this);
  }

  private keepEarly(seq: number, flags: number, payload: Uint8Array): void {
    const cost = payload.length + EARLY_CHUNK_OVERHEAD_BYTES;
    if (this.earlyBytes + cost > this.limits.maxEarlyBytes || !this.budget.tryTake(cost)) {
      this.earlyDropped++;
      return;
    }
    this.earlyBytes += cost;
    this.early.set(seq, { flags, payload: payload.slice() }); // a view into a batch that may be reused: copy
  }

  private releaseEarly(cost: number): void {
    this.earlyBytes -= cost;
    this.budget.release(cost);
  }

  private take(flags: number, payload: Uint8Array, done: LinkMessage[]): void {
    this.expected++;
    if (flags & FLAG.first) {
      this.freePartial();
      this.state = 'reading';
      this.partialFlags = flags;
    } else if (this.state !== 'reading') {
      if (flags & FLAG.last) this.state = 'idle'; // the end of a dropped message (or a stray chunk)
      return;
    }
    const length = this.partialLength + payload.length;
    const last = (flags & FLAG.last) !== 0;
    if (length > this.maxWholeBytes) return this.reset('message-too-large', !last, length);
    if (last && this.partialLength === 0) {
      // The whole message in one chunk (the usual case): decoded straight from the batch, no copy kept.
      this.state = 'idle';
      return this.finish(payload, done);
    }
    if (!this.reserve(length)) return this.reset('receive-buffer-full', !last);
    this.partial.set(payload, this.partialLength);
    this.partialLength = length;
    if (!last) return;
    this.state = 'idle';
    this.finish(this.partial.subarray(0, length), done);
    this.freePartial();
  }

  /** Room for `length` bytes of partial message, growing by doubling, within the message bound and the budget. */
  private reserve(length: number): boolean {
    if (length <= this.partial.length) return true;
    const capacity = Math.min(this.maxWholeBytes, Math.max(length, 2 * this.partial.length, MIN_PARTIAL_CAPACITY));
    if (!this.budget.makeRoom(capacity - this.partial.length, this, length)) return false;
    const grown = new Uint8Array(capacity);
    grown.set(this.partial.subarray(0, this.partialLength));
    this.partial = grown;
    return true;
  }

  private freePartial(): void {
    this.budget.release(this.partial.length);
    this.partial = new Uint8Array(0);
    this.partialLength = 0;
  }

  /** Drops the partial message; with `skip`, its remaining chunks are discarded up to the next first chunk. */
  private reset(reason: LinkResetReason, skip: boolean, dropped = this.partialLength): void {
    this.freePartial();
    this.state = skip ? 'skipping' : 'idle';
    this.resets++;
    this.onReset(reason, dropped);
  }

  private finish(whole: Uint8Array, done: LinkMessage[]): void {
    const message = decodeMessage(whole, this.partialFlags);
    if (message === undefined) return this.reset('bad-message', false);
    done.push(message);
  }
}

/**
 * A reassembled message: header (room, and for history its origin and time), then data. Undefined when
 * the header does not fit the bytes (only a broken or hostile sender does that).
 */
function decodeMessage(whole: Uint8Array, flags: number): LinkMessage | undefined {
  const roomLength = whole[0] ?? 0;
  let offset = 1 + roomLength;
  if (whole.length === 0 || offset > whole.length) return undefined;
  const room = decoder.decode(whole.subarray(1, offset));
  let history: LinkMessage['history'];
  if (flags & FLAG.history) {
    const originLength = whole[offset] ?? 0;
    const atOffset = offset + 1 + originLength;
    if (atOffset + 8 > whole.length) return undefined;
    const from = decoder.decode(whole.subarray(offset + 1, atOffset));
    history = { from, at: new DataView(whole.buffer, whole.byteOffset, whole.byteLength).getFloat64(atOffset) };
    offset = atOffset + 8;
  }
  const body = whole.subarray(offset);
  return {
    room,
    data: flags & FLAG.binary ? new Uint8Array(body) : decoder.decode(body), // a copy, and never a Node Buffer
    whisper: (flags & FLAG.whisper) !== 0,
    ...(history === undefined ? {} : { history }),
  };
}

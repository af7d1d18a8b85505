/**
 * Exactly-once, in-order delivery of messages over a link whose path may change under it. The sender
 * numbers chunks and keeps them until they are acknowledged, so that they can be sent again on another
 * path; the receiver puts them back in order, drops duplicates, reassembles messages and acknowledges.
 */
import { DATA_HEADER_BYTES, FLAG, concat, encodeData } from './link-wire.ts';

export interface LinkMessage {
  room: string;
  data: string | Uint8Array;
  whisper: boolean;
  /** Set on a replay of an earlier room message: who sent it, and when (ms since the epoch). */
  history?: { from: string; at: number };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Unacked {
  seq: number;
  record: Uint8Array;
}

export class ReliableSender {
  private nextSeq = 1;
  private unacked: Unacked[] = [];
  private head = 0;
  private bytes = 0;

  /** Bytes of records sent (or queued) and not yet acknowledged. */
  get unackedBytes(): number {
    return this.bytes;
  }

  get unackedCount(): number {
    return this.unacked.length - this.head;
  }

  /** Numbers a message's chunks (each at most chunkBytes of payload) and keeps them until acknowledged. */
  encode(message: LinkMessage, chunkBytes: number): Uint8Array[] {
    const room = encoder.encode(message.room);
    const body = typeof message.data === 'string' ? encoder.encode(message.data) : message.data;
    // header: roomLength room [originLength origin at:f64 when history]
    const origin = message.history === undefined ? undefined : encoder.encode(message.history.from);
    const headerBytes = 1 + room.length + (origin === undefined ? 0 : 1 + origin.length + 8);
    const whole = new Uint8Array(headerBytes + body.length);
    whole[0] = room.length;
    whole.set(room, 1);
    if (origin !== undefined) {
      whole[1 + room.length] = origin.length;
      whole.set(origin, 2 + room.length);
      new DataView(whole.buffer).setFloat64(2 + room.length + origin.length, message.history!.at);
    }
    whole.set(body, headerBytes);
    const kind = (typeof message.data === 'string' ? 0 : FLAG.binary) | (message.whisper ? FLAG.whisper : 0) |
      (origin === undefined ? 0 : FLAG.history);
    const records: Uint8Array[] = [];
    for (let offset = 0; offset < whole.length || offset === 0; offset += chunkBytes) {
      const end = Math.min(whole.length, offset + chunkBytes);
      const flags = kind | (offset === 0 ? FLAG.first : 0) | (end === whole.length ? FLAG.last : 0);
      const record = encodeData(this.nextSeq, flags, whole.subarray(offset, end));
      this.unacked.push({ seq: this.nextSeq, record });
      this.bytes += record.length;
      this.nextSeq++;
      records.push(record);
      if (end === whole.length) break;
    }
    return records;
  }

  /** The peer has every chunk up to `seq`. */
  acknowledge(seq: number): void {
    while (this.head < this.unacked.length && this.unacked[this.head]!.seq <= seq) {
      this.bytes -= this.unacked[this.head]!.record.length;
      this.head++;
    }
    if (this.head > 256 && this.head * 2 > this.unacked.length) {
      this.unacked = this.unacked.slice(this.head);
      this.head = 0;
    }
  }

  /** Every unacknowledged record, oldest first: what to send again after a path change. */
  pending(): Uint8Array[] {
    return this.unacked.slice(this.head).map((u) => u.record);
  }
}

export class ReliableReceiver {
  private expected = 1;
  private readonly early = new Map<number, { flags: number; payload: Uint8Array }>();
  private partial: Uint8Array[] = [];
  private partialBytes = 0;
  private partialFlags = 0;
  duplicates = 0;

  /** @param maxEarly chunks kept that arrived ahead of a gap; more are dropped (the sender resends them). */
  constructor(private readonly maxEarly = 4_096) {}

  /** The cumulative acknowledgement to send: every chunk up to here has arrived. */
  get acknowledged(): number {
    return this.expected - 1;
  }

  /** Takes one DATA record; returns the messages it completes, in order. */
  receive(seq: number, flags: number, payload: Uint8Array): LinkMessage[] {
    if (seq < this.expected || this.early.has(seq)) {
      this.duplicates++;
      return [];
    }
    if (seq > this.expected) {
      if (this.early.size < this.maxEarly) this.early.set(seq, { flags, payload: payload.slice() });
      return [];
    }
    const done: LinkMessage[] = [];
    this.take(flags, payload, done);
    for (let next = this.early.get(this.expected); next !== undefined; next = this.early.get(this.expected)) {
      this.early.delete(this.expected);
      this.take(next.flags, next.payload, done);
    }
    return done;
  }

  private take(flags: number, payload: Uint8Array, done: LinkMessage[]): void {
    this.expected++;
    if (flags & FLAG.first) {
      this.partial = [];
      this.partialBytes = 0;
      this.partialFlags = flags;
    }
    // A chunk's payload may be a view into a batch that is reused: keep a copy only when it must wait.
    this.partial.push(flags & FLAG.last && this.partial.length === 0 ? payload : payload.slice());
    this.partialBytes += payload.length;
    if (!(flags & FLAG.last)) return;
    const whole = concat(this.partial, this.partialBytes);
    this.partial = [];
    this.partialBytes = 0;
    const roomLength = whole[0] ?? 0;
    const room = decoder.decode(whole.subarray(1, 1 + roomLength));
    let offset = 1 + roomLength;
    let history: LinkMessage['history'];
    if (this.partialFlags & FLAG.history) {
      const originLength = whole[offset] ?? 0;
      const from = decoder.decode(whole.subarray(offset + 1, offset + 1 + originLength));
      const at = new DataView(whole.buffer, whole.byteOffset).getFloat64(offset + 1 + originLength);
      history = { from, at };
      offset += 1 + originLength + 8;
    }
    const body = whole.subarray(offset);
    done.push({
      room,
      data: this.partialFlags & FLAG.binary ? new Uint8Array(body) : decoder.decode(body), // a copy, and never a Node Buffer
      whisper: (this.partialFlags & FLAG.whisper) !== 0,
      ...(history === undefined ? {} : { history }),
    });
  }
}

/** Payload bytes per chunk so that a DATA record fits `recordBytes`. */
export function chunkPayloadBytes(recordBytes: number): number {
  return recordBytes - DATA_HEADER_BYTES;
}

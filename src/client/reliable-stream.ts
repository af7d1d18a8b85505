/**
 * Exactly-once, in-order delivery of messages over a link whose path may change under it. The sender
 * numbers chunks and keeps them until they are acknowledged, so that they can be sent again on another
 * path; the receiver (reliable-receiver.ts) puts them back in order, drops duplicates, reassembles
 * messages and acknowledges.
 */
import { DATA_HEADER_BYTES, FLAG, encodeData } from './link-wire.ts';

export interface LinkMessage {
  room: string;
  data: string | Uint8Array;
  whisper: boolean;
  /** Set on a replay of an earlier room message: who sent it, and when (ms since the epoch). */
  history?: { from: string; at: number };
}

const encoder = new TextEncoder();

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

/** Payload bytes per chunk so that a DATA record fits `recordBytes`. */
export function chunkPayloadBytes(recordBytes: number): number {
  return recordBytes - DATA_HEADER_BYTES;
}

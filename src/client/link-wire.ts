/**
 * The records two room clients exchange over a link, whatever path carries them (a DataChannel message,
 * or the `data` of a hub `relay` as base64). A batch is records back to back; each is self-delimiting.
 *
 *   DATA  0x01 seq:u32 flags:u8 length:u32 payload   (reliable: numbered, acknowledged, retransmitted)
 *   ACK   0x02 seq:u32                               (cumulative: every DATA up to seq arrived)
 *   PING  0x03 time:f64                              (round-trip time, ms clock of the sender)
 *   PONG  0x04 time:f64                              (echo of a PING's time)
 *   FWD   0x05 peerLength:u8 peer:utf8 length:u32 batch
 *         (star topology: member -> server peer "deliver this batch of our link to `peer`";
 *          server peer -> member "this batch comes from `peer`")
 *
 * Integers are big-endian. Pure: no Node or DOM APIs beyond TextEncoder/TextDecoder and atob/btoa.
 */

export const RECORD = { data: 1, ack: 2, ping: 3, pong: 4, forward: 5 } as const;

/** DATA flags: how a chunk sits in its message, and what the message is. */
export const FLAG = {
  first: 1, // first chunk of a message: its payload starts with the message header
  last: 2, // last chunk of a message
  binary: 4, // the message is bytes (else UTF-8 text)
  whisper: 8, // the message was sent to this peer only, not to the room
  history: 16, // a replay of an earlier room message (its sender and time follow the room in the header)
} as const;

export const DATA_HEADER_BYTES = 10;
/**
 * The largest message header (in the first chunk, before the data): roomLength:u8 room (at most 255
 * bytes), and for history originLength:u8 origin (at most 255) at:f64.
 */
export const MAX_MESSAGE_HEADER_BYTES = 1 + 255 + 1 + 255 + 8;
const ACK_BYTES = 5;
const TIME_BYTES = 9;

export type LinkRecord =
  | { kind: 'data'; seq: number; flags: number; payload: Uint8Array }
  | { kind: 'ack'; seq: number }
  | { kind: 'ping'; time: number }
  | { kind: 'pong'; time: number }
  | { kind: 'forward'; peer: string; batch: Uint8Array };

export function encodeData(seq: number, flags: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(DATA_HEADER_BYTES + payload.length);
  const view = new DataView(out.buffer);
  out[0] = RECORD.data;
  view.setUint32(1, seq >>> 0);
  out[5] = flags;
  view.setUint32(6, payload.length);
  out.set(payload, DATA_HEADER_BYTES);
  return out;
}

export function encodeAck(seq: number): Uint8Array {
  const out = new Uint8Array(ACK_BYTES);
  out[0] = RECORD.ack;
  new DataView(out.buffer).setUint32(1, seq >>> 0);
  return out;
}

export function encodeTime(kind: 'ping' | 'pong', time: number): Uint8Array {
  const out = new Uint8Array(TIME_BYTES);
  out[0] = RECORD[kind];
  new DataView(out.buffer).setFloat64(1, time);
  return out;
}

export function encodeForward(peer: string, batch: Uint8Array): Uint8Array {
  const id = new TextEncoder().encode(peer);
  const out = new Uint8Array(2 + id.length + 4 + batch.length);
  out[0] = RECORD.forward;
  out[1] = id.length;
  out.set(id, 2);
  new DataView(out.buffer).setUint32(2 + id.length, batch.length);
  out.set(batch, 6 + id.length);
  return out;
}

/** Joins records into one batch. */
export function concat(parts: readonly Uint8Array[], totalBytes: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(totalBytes);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export class WireError extends Error {}

const decoder = new TextDecoder();

/** Where the record starting at `i` ends. Throws WireError on a truncated or unknown record. */
function recordEnd(batch: Uint8Array, view: DataView, i: number): number {
  const kind = batch[i];
  let end: number;
  if (kind === RECORD.data) end = i + DATA_HEADER_BYTES + (i + DATA_HEADER_BYTES <= batch.length ? view.getUint32(i + 6) : 0);
  else if (kind === RECORD.ack) end = i + ACK_BYTES;
  else if (kind === RECORD.ping || kind === RECORD.pong) end = i + TIME_BYTES;
  else if (kind === RECORD.forward) {
    const idLength = batch[i + 1] ?? 0;
    end = i + 6 + idLength + (i + 6 + idLength <= batch.length ? view.getUint32(i + 2 + idLength) : 0);
  } else throw new WireError(`unknown record kind ${kind}`);
  if (end > batch.length) throw new WireError(`truncated record of kind ${kind}`);
  return end;
}

/** The byte ranges of the records of a batch, in order (each a view into the batch). */
export function splitRecords(batch: Uint8Array): Uint8Array[] {
  const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  const out: Uint8Array[] = [];
  for (let i = 0; i < batch.length;) {
    const end = recordEnd(batch, view, i);
    out.push(batch.subarray(i, end));
    i = end;
  }
  return out;
}

/** Splits a batch into records. Throws WireError on a truncated or unknown record. */
export function decodeBatch(batch: Uint8Array): LinkRecord[] {
  const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  const records: LinkRecord[] = [];
  for (let i = 0; i < batch.length;) {
    const end = recordEnd(batch, view, i);
    const kind = batch[i];
    if (kind === RECORD.data) {
      records.push({ kind: 'data', seq: view.getUint32(i + 1), flags: batch[i + 5]!, payload: batch.subarray(i + DATA_HEADER_BYTES, end) });
    } else if (kind === RECORD.ack) {
      records.push({ kind: 'ack', seq: view.getUint32(i + 1) });
    } else if (kind === RECORD.forward) {
      const idLength = batch[i + 1]!;
      records.push({ kind: 'forward', peer: decoder.decode(batch.subarray(i + 2, i + 2 + idLength)), batch: batch.subarray(i + 6 + idLength, end) });
    } else {
      records.push({ kind: kind === RECORD.ping ? 'ping' : 'pong', time: view.getFloat64(i + 1) });
    }
    i = end;
  }
  return records;
}

// base64 without Node's Buffer, so the same code runs in the browser. Chunked to keep apply() small.
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000) as unknown as number[]);
  }
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

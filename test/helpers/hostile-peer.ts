/**
 * A hostile room mate: a raw protocol client (no room client code) that speaks the link protocol through
 * the hub relay by hand, so it can send what no honest client would - forged history flags, messages that
 * never end, oversized messages, chunks far ahead. Records are built with the real link-wire encoders.
 */
import { FLAG, concat, decodeBatch, encodeData, encodeTime, fromBase64 } from '../../src/client/link-wire.ts';
import type { HubMessage } from '../../src/protocol/index.ts';
import { TestClient } from './test-client.ts';

type Relay = Extract<HubMessage, { type: 'relay' }>;

const encoder = new TextEncoder();

/** The first chunk's header: room, and for history the claimed origin and time. */
export function messageHeader(room: string, history?: { from: string; at: number }): Uint8Array {
  const roomBytes = encoder.encode(room);
  if (history === undefined) return new Uint8Array([roomBytes.length, ...roomBytes]);
  const origin = encoder.encode(history.from);
  const out = new Uint8Array(1 + roomBytes.length + 1 + origin.length + 8);
  out[0] = roomBytes.length;
  out.set(roomBytes, 1);
  out[1 + roomBytes.length] = origin.length;
  out.set(origin, 2 + roomBytes.length);
  new DataView(out.buffer).setFloat64(2 + roomBytes.length + origin.length, history.at);
  return out;
}

export class HostilePeer {
  /** Next in-order sequence number toward each victim. */
  private readonly nextSeq = new Map<string, number>();
  private lastPong = 0;

  private constructor(readonly client: TestClient) {}

  static async join(url: string, room: string, name = 'mallory', extra: Record<string, unknown> = {}): Promise<HostilePeer> {
    // An all-zero mask: ws then skips masking (and the hub unmasking); an attacker may choose any mask.
    const client = await TestClient.connect(url, { generateMask: (mask) => void mask.fill(0) });
    await client.join(room, name, extra);
    return new HostilePeer(client);
  }

  get peerId(): string {
    return this.client.peerId;
  }

  /** Tells `victim`'s link to use the hub relay at once (what a client without P2P says). */
  noP2P(victim: string): void {
    this.client.send({ type: 'signal', to: victim, data: { gen: 0, noP2P: true } });
  }

  /** Takes the next in-order sequence numbers toward `victim`. */
  seqs(victim: string, n: number): number {
    const first = this.nextSeq.get(victim) ?? 1;
    this.nextSeq.set(victim, first + n);
    return first;
  }

  /** One whole message in one chunk, in order. */
  message(victim: string, room: string, text: string, history?: { from: string; at: number }): Uint8Array {
    const flags = FLAG.first | FLAG.last | (history === undefined ? 0 : FLAG.history);
    return encodeData(this.seqs(victim, 1), flags, joinBytes(messageHeader(room, history), encoder.encode(text)));
  }

  /** Sends records to `victim` as one relay frame (base64 of the batch, as room clients do). */
  sendRecords(victim: string, records: Uint8Array[]): void {
    const batch = joinBytes(...records);
    const base64 = Buffer.from(batch.buffer, batch.byteOffset, batch.byteLength).toString('base64');
    // Written by hand: JSON.stringify would scan a megabyte of base64 for characters to escape, and it has none.
    this.client.sendRaw(`{"type":"relay","to":${JSON.stringify(victim)},"data":{"l":"${base64}"}}`);
  }

  /** A PING whose time field carries `mark`: the victim's link echoes it (PONG) once it has read this far. */
  static ping(mark: number): Uint8Array {
    return encodeTime('ping', mark);
  }

  /** The highest PONG mark `victim` has echoed so far (reads the relay frames in the inbox). */
  highestPong(victim: string): number {
    let highest = 0;
    const relays = this.client.inbox.filter((m): m is Relay => m.type === 'relay' && m.from === victim);
    this.client.inbox.splice(0, this.client.inbox.length, ...this.client.inbox.filter((m) => m.type !== 'relay'));
    for (const m of relays) {
      const data = m.data as { l?: unknown } | null;
      if (data === null || typeof data !== 'object' || typeof data.l !== 'string') continue;
      for (const r of decodeBatch(fromBase64(data.l))) if (r.kind === 'pong') highest = Math.max(highest, r.time);
    }
    this.lastPong = Math.max(this.lastPong, highest);
    return this.lastPong;
  }

  close(): Promise<unknown> {
    return this.client.close();
  }
}

export function joinBytes(...parts: Uint8Array[]): Uint8Array {
  return concat(parts, parts.reduce((n, p) => n + p.length, 0));
}

/** The receiving side's byte bounds: per link (message, early chunks) and for all links of a client together. */
import { describe, expect, it } from 'vitest';
import { checkMessageSize, MessageTooLargeError } from '../../src/client/errors.ts';
import { utf8Length } from '../../src/protocol/index.ts';
import { FLAG, MAX_MESSAGE_HEADER_BYTES, decodeBatch } from '../../src/client/link-wire.ts';
import { ReceiveBudget } from '../../src/client/receive-budget.ts';
import { EARLY_CHUNK_OVERHEAD_BYTES, ReliableReceiver, type LinkResetReason } from '../../src/client/reliable-receiver.ts';
import { ReliableSender, type LinkMessage } from '../../src/client/reliable-stream.ts';

const KiB = 1024;
const limits = { maxMessageBytes: 64 * KiB, maxEarlyBytes: 32 * KiB };
const MAX_WHOLE = limits.maxMessageBytes + MAX_MESSAGE_HEADER_BYTES;

/** A receiver that records its resets. */
function receiverOn(budget: ReceiveBudget) {
  const resets: { reason: LinkResetReason; bytes: number }[] = [];
  const receiver = new ReliableReceiver(limits, budget, (reason, bytes) => resets.push({ reason, bytes }));
  return { receiver, resets };
}

/** An honest sender's records of `messages`, as the receiver takes them. */
function recordsOf(sender: ReliableSender, messages: LinkMessage[], chunkBytes = 4 * KiB) {
  return messages.flatMap((m) => sender.encode(m, chunkBytes)).flatMap((r) => decodeBatch(r)).map((r) => {
    if (r.kind !== 'data') throw new Error('not data');
    return r;
  });
}

function feed(receiver: ReliableReceiver, records: { seq: number; flags: number; payload: Uint8Array }[]): LinkMessage[] {
  return records.flatMap((r) => receiver.receive(r.seq, r.flags, r.payload));
}

const roomHeader = (room: string) => new Uint8Array([room.length, ...new TextEncoder().encode(room)]);

describe('the receiver bounds what a peer can make it hold', () => {
  it('a message that never ends is dropped at maxMessageBytes; its later chunks are acknowledged and discarded; the next message arrives', () => {
    const budget = new ReceiveBudget(1024 * KiB);
    const { receiver, resets } = receiverOn(budget);
    const chunk = new Uint8Array(8 * KiB);
    let seq = 1;
    expect(receiver.receive(seq++, FLAG.first, new Uint8Array([...roomHeader('r'), ...chunk]))).toEqual([]);
    let most = 0;
    for (let i = 0; i < 1_000; i++) { // 8 MB of one message without FLAG.last
      expect(receiver.receive(seq++, 0, chunk)).toEqual([]);
      most = Math.max(most, receiver.partialBytes, budget.usedBytes);
    }
    expect(most).toBeLessThanOrEqual(MAX_WHOLE);
    expect(resets).toEqual([{ reason: 'message-too-large', bytes: expect.any(Number) }]);
    expect(resets[0]!.bytes).toBeGreaterThan(limits.maxMessageBytes);
    expect(receiver.partialBytes).toBe(0);
    expect(receiver.acknowledged).toBe(seq - 1); // the sender's queue drains
    // its end is discarded too; the next message is whole
    expect(receiver.receive(seq++, FLAG.last, chunk)).toEqual([]);
    expect(receiver.receive(seq++, FLAG.first | FLAG.last, new Uint8Array([...roomHeader('r'), 104, 105]))).toEqual([
      { room: 'r', data: 'hi', whisper: false },
    ]);
    expect(budget.usedBytes).toBe(0);
  });

  it('a single chunk over the bound is dropped at once, and the link goes on', () => {
    const budget = new ReceiveBudget(1024 * KiB);
    const { receiver, resets } = receiverOn(budget);
    const huge = new Uint8Array(MAX_WHOLE + 1);
    huge.set(roomHeader('r'));
    expect(receiver.receive(1, FLAG.first | FLAG.last | FLAG.binary, huge)).toEqual([]);
    expect(resets.map((r) => r.reason)).toEqual(['message-too-large']);
    const sender = new ReliableSender();
    sender.encode({ room: 'x', data: 'burn', whisper: false }, 1_000); // seq 1, already used above
    const got = feed(receiver, recordsOf(sender, [{ room: 'r', data: new Uint8Array(limits.maxMessageBytes), whisper: false }]));
    expect(got).toHaveLength(1); // exactly maxMessageBytes passes
    expect(resets).toHaveLength(1);
  });

  it('chunks far ahead are kept up to maxEarlyBytes, counting an overhead per chunk, and the rest dropped', () => {
    const budget = new ReceiveBudget(1024 * KiB);
    const { receiver } = receiverOn(budget);
    for (let i = 0; i < 10_000; i++) receiver.receive(1_000_000 + i, 0, new Uint8Array(0)); // empty chunks cost too
    expect(receiver.earlyBytes).toBeLessThanOrEqual(limits.maxEarlyBytes);
    expect(receiver.earlyBytes).toBe(Math.floor(limits.maxEarlyBytes / EARLY_CHUNK_OVERHEAD_BYTES) * EARLY_CHUNK_OVERHEAD_BYTES);
    for (let i = 0; i < 100; i++) receiver.receive(2_000_000 + i, 0, new Uint8Array(4 * KiB));
    expect(receiver.earlyBytes).toBeLessThanOrEqual(limits.maxEarlyBytes);
    expect(receiver.earlyDropped).toBeGreaterThan(10_000 - 256);
    expect(budget.usedBytes).toBe(receiver.earlyBytes);
    receiver.close();
    expect(budget.usedBytes).toBe(0);
  });

  it('an honest reordering within the bound still delivers everything once, in order', () => {
    const { receiver, resets } = receiverOn(new ReceiveBudget(1024 * KiB));
    const sender = new ReliableSender();
    const messages = Array.from({ length: 6 }, (_, i) => ({ room: 'r', data: `m${i}`.repeat(1_000), whisper: false }));
    const records = recordsOf(sender, messages, 1_000);
    const [first, ...rest] = records;
    const got = feed(receiver, [...rest.slice(0, 20), first!, ...rest]); // 20 early, then the gap fills
    expect(got).toEqual(messages);
    expect(resets).toEqual([]);
  });

  it('all links together stay within the shared budget: the largest partial message is reset, the others complete', () => {
    // room for one whole message and a bit: two growing messages cannot both fit
    const budget = new ReceiveBudget(MAX_WHOLE + limits.maxEarlyBytes + 16 * KiB);
    const hostile = receiverOn(budget);
    const honest = receiverOn(budget);
    // the hostile link holds a message just under the per-link bound, plus early chunks
    hostile.receiver.receive(1, FLAG.first, new Uint8Array([...roomHeader('r'), ...new Uint8Array(60 * KiB)]));
    for (let i = 0; i < 7; i++) hostile.receiver.receive(100 + i, 0, new Uint8Array(4 * KiB));
    expect(hostile.receiver.earlyBytes).toBeGreaterThan(0);
    // an honest 40 KiB message arrives on the other link
    const message = { room: 'r', data: new Uint8Array(40 * KiB).fill(7), whisper: false };
    let most = 0;
    const got: LinkMessage[] = [];
    for (const r of recordsOf(new ReliableSender(), [message])) {
      got.push(...honest.receiver.receive(r.seq, r.flags, r.payload));
      most = Math.max(most, budget.usedBytes);
    }
    expect(most).toBeLessThanOrEqual(budget.limitBytes);
    expect(got).toEqual([message]);
    expect(honest.resets).toEqual([]);
    // the early chunks went first, then the hostile partial message (the largest)
    expect(hostile.receiver.earlyBytes).toBe(0);
    expect(hostile.resets.map((r) => r.reason)).toEqual(['receive-buffer-full']);
    // and the rest of that message is discarded
    expect(hostile.receiver.receive(2, FLAG.last, new Uint8Array(100))).toEqual([]);
    hostile.receiver.close();
    honest.receiver.close();
    expect(budget.usedBytes).toBe(0);
  });

  it('a link whose own message would be the largest is the one reset', () => {
    const budget = new ReceiveBudget(100 * KiB); // less than two reassembly buffers (64 KiB each at first)
    const small = receiverOn(budget);
    const big = receiverOn(budget);
    small.receiver.receive(1, FLAG.first, new Uint8Array([...roomHeader('r'), ...new Uint8Array(30 * KiB)]));
    big.receiver.receive(1, FLAG.first, new Uint8Array([...roomHeader('r'), ...new Uint8Array(40 * KiB)]));
    expect(big.resets.map((r) => r.reason)).toEqual(['receive-buffer-full']);
    expect(small.resets).toEqual([]);
    expect(small.receiver.receive(2, FLAG.last, new Uint8Array(10))).toHaveLength(1);
    expect(budget.usedBytes).toBe(0);
  });

  it('a header that does not fit its bytes is dropped as bad-message, never thrown', () => {
    const { receiver, resets } = receiverOn(new ReceiveBudget(1024 * KiB));
    // history flag without origin and time; a room longer than the message
    expect(receiver.receive(1, FLAG.first | FLAG.last | FLAG.history, new Uint8Array([0]))).toEqual([]);
    expect(receiver.receive(2, FLAG.first | FLAG.last, new Uint8Array([200, 1, 2]))).toEqual([]);
    expect(receiver.receive(3, FLAG.first | FLAG.last, new Uint8Array(0))).toEqual([]);
    expect(resets.map((r) => r.reason)).toEqual(['bad-message', 'bad-message', 'bad-message']);
    expect(receiver.receive(4, FLAG.first | FLAG.last, roomHeader('ok'))).toEqual([{ room: 'ok', data: '', whisper: false }]);
  });

  it('many tiny chunks cost no more than their bytes', () => {
    const budget = new ReceiveBudget(1024 * KiB);
    const { receiver, resets } = receiverOn(budget);
    receiver.receive(1, FLAG.first, roomHeader('r'));
    for (let seq = 2; seq < 200_000; seq++) receiver.receive(seq, 0, new Uint8Array(1));
    expect(receiver.partialBytes).toBeLessThanOrEqual(MAX_WHOLE);
    expect(resets.map((r) => r.reason)).toEqual(['message-too-large']);
  });
});

describe('the sender refuses what no receiver would take', () => {
  it('counts UTF-8 bytes as TextEncoder writes them', () => {
    const samples = ['', 'abc', 'héllo', '🎉🎉', '\ud800', 'a\udc00b', '\u0800\uffff', 'x'.repeat(1000)];
    for (const s of samples) expect(utf8Length(s), JSON.stringify(s)).toBe(new TextEncoder().encode(s).length);
  });

  it('throws message-too-large above maxMessageBytes, for bytes and strings', () => {
    expect(() => checkMessageSize(new Uint8Array(100), 100)).not.toThrow();
    expect(() => checkMessageSize(new Uint8Array(101), 100)).toThrow(MessageTooLargeError);
    expect(() => checkMessageSize('é'.repeat(50), 100)).not.toThrow(); // 100 bytes
    try {
      checkMessageSize('é'.repeat(51), 100);
      expect.unreachable();
    } catch (err) {
      expect((err as MessageTooLargeError).code).toBe('message-too-large');
    }
  });
});

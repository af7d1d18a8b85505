import { describe, expect, it } from 'vitest';
import { decodeBatch, concat, fromBase64, toBase64 } from '../../src/client/link-wire.ts';
import { resolveClientOptions } from '../../src/client/options.ts';
import { ReceiveBudget } from '../../src/client/receive-budget.ts';
import { ReliableReceiver } from '../../src/client/reliable-receiver.ts';
import { ReliableSender, type LinkMessage } from '../../src/client/reliable-stream.ts';

function dataOf(records: Uint8Array[]) {
  return decodeBatch(concat(records, records.reduce((n, r) => n + r.length, 0))).map((r) => {
    if (r.kind !== 'data') throw new Error('not data');
    return r;
  });
}

describe('reliable stream', () => {
  it('chunks, reorders, drops duplicates and reassembles strings and bytes exactly once', () => {
    const sender = new ReliableSender();
    const options = resolveClientOptions();
    const receiver = new ReliableReceiver(options, new ReceiveBudget(options.maxReceiveBufferBytes));
    const big = new Uint8Array(100_000).map((_, i) => i % 251);
    const messages: LinkMessage[] = [
      { room: 'lobby', data: 'héllo 🎉', whisper: false },
      { room: 'lobby', data: big, whisper: true },
      { room: 'r', data: '', whisper: false },
      { room: 'r', data: new Uint8Array(0), whisper: false },
    ];
    const records = messages.flatMap((m) => sender.encode(m, 16_000));
    expect(records.length).toBe(1 + 7 + 1 + 1);
    const decoded = dataOf(records);
    // deliver shuffled, with every record twice
    const order = [...decoded, ...decoded].sort((a, b) => ((a.seq * 7919) % 13) - ((b.seq * 7919) % 13));
    const got: LinkMessage[] = [];
    for (const r of order) got.push(...receiver.receive(r.seq, r.flags, r.payload));
    expect(got).toEqual(messages);
    expect(receiver.duplicates).toBe(decoded.length);
    expect(receiver.acknowledged).toBe(decoded.length);
  });

  it('keeps what is not acknowledged for sending again', () => {
    const sender = new ReliableSender();
    for (let i = 0; i < 5; i++) sender.encode({ room: 'r', data: String(i), whisper: false }, 1000);
    expect(sender.unackedCount).toBe(5);
    sender.acknowledge(3);
    expect(dataOf(sender.pending()).map((r) => r.seq)).toEqual([4, 5]);
    sender.acknowledge(5);
    expect(sender.unackedCount).toBe(0);
    expect(sender.unackedBytes).toBe(0);
  });

  it('base64 round-trips any bytes', () => {
    const bytes = new Uint8Array(70_000).map((_, i) => (i * 31) % 256);
    expect(fromBase64(toBase64(bytes))).toEqual(bytes);
  });
});

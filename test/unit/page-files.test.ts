/** The demo page's file receiving bounds and blob URL keeping (plain TS, run here in Node). */
import { resolveObjectURL } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { FileReceiver } from '../../src/page/file-receiver.ts';
import { encodeChunk, type FileHeader } from '../../src/page/file-transfer.ts';
import { FileUrls } from '../../src/page/file-urls.ts';

const limits = { maxFileBytes: 1_000, maxOpenTransfers: 2, maxOpenBytes: 1_500, staleMs: 5_000 };
const header = (id: string, size: number): FileHeader => ({ t: 'file-start', id, name: `${id}.bin`, size, mime: 'application/octet-stream' });

describe('receiving files on the page', () => {
  it('refuses files over maxFileBytes, and more transfers or announced bytes than allowed', () => {
    const files = new FileReceiver(limits);
    expect(files.start('a', header('big', 1_001))).toBe('too-large');
    expect(files.start('a', header('one', 1_000))).toBeUndefined();
    expect(files.start('b', header('two', 600))).toBe('too-many'); // 1,600 announced bytes
    expect(files.start('b', header('two', 500))).toBeUndefined();
    expect(files.start('c', header('three', 1))).toBe('too-many'); // a third transfer
    expect(files.start('c', { ...header('bad', 10), size: -1 })).toBe('bad-header');
    expect(files.start('c', { ...header('bad', 10), size: '10' as unknown as number })).toBe('bad-header');
    expect(files.inProgress).toEqual({ transfers: 2, announcedBytes: 1_500 });
  });

  it('drops a transfer that sends more than it announced', () => {
    const files = new FileReceiver(limits);
    files.start('a', header('x', 100));
    expect(files.chunk('a', encodeChunk('x', new Uint8Array(60)))).toMatchObject({ fraction: 0.6 });
    expect(files.chunk('a', encodeChunk('x', new Uint8Array(60)))).toMatchObject({ dropped: 'overrun' });
    expect(files.chunk('a', encodeChunk('x', new Uint8Array(1)))).toBeUndefined();
    expect(files.inProgress).toEqual({ transfers: 0, announcedBytes: 0 });
  });

  it('drops stale transfers and those of a sender who left, freeing their room', async () => {
    const files = new FileReceiver(limits);
    files.start('a', header('old', 10), 0);
    files.start('b', header('new', 10), 0);
    files.chunk('b', encodeChunk('new', new Uint8Array(5)), 4_000);
    expect(files.sweep(6_000).map((t) => t.header.id)).toEqual(['old']);
    expect(files.dropFrom('b').map((t) => t.header.id)).toEqual(['new']);
    expect(files.inProgress).toEqual({ transfers: 0, announcedBytes: 0 });
    // and a complete transfer still works
    files.start('c', header('ok', 3));
    files.chunk('c', encodeChunk('ok', new Uint8Array([1, 2, 3])));
    const done = await files.end('c', { t: 'file-end', id: 'ok', sha256: '' });
    expect(done?.bytes).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('keeps the blob URLs of the last files only, revoking older ones', () => {
    const urls = new FileUrls(2);
    const expired: number[] = [];
    const made = [0, 1, 2, 3].map((i) => urls.add(new Blob([String(i)]), () => expired.push(i)));
    expect(expired).toEqual([0, 1]);
    expect(made.map((u) => resolveObjectURL(u) !== undefined)).toEqual([false, false, true, true]);
    urls.clear();
    expect(made.map((u) => resolveObjectURL(u) !== undefined)).toEqual([false, false, false, false]);
  });
});

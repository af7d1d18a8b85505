/**
 * Reassembles incoming files, per sender and transfer id, within bounds: any room mate can announce a
 * file, so a receiver decides what it is willing to hold. A file larger than maxFileBytes is refused at
 * its header; so is one beyond maxOpenTransfers or maxOpenBytes (announced sizes of the transfers in
 * progress, together); a transfer that sends more than it announced is dropped; one that has sent nothing
 * for staleMs is dropped by sweep(), and a sender's transfers go when it leaves.
 */
import { decodeChunk, sha256Hex, type FileEnd, type FileHeader } from './file-transfer.ts';

const MiB = 1024 * 1024;

export const RECEIVE_LIMITS = {
  /** Largest file a receiver accepts (bytes). */
  maxFileBytes: 64 * MiB,
  /** Transfers being received at once, all senders together. */
  maxOpenTransfers: 4,
  /** Announced sizes of the transfers being received, together (bytes). */
  maxOpenBytes: 128 * MiB,
  /** A transfer with no chunk for this long is dropped (ms). */
  staleMs: 30_000,
};

export type ReceiveLimits = typeof RECEIVE_LIMITS;

/** Why a header was refused or a transfer dropped. */
export type FileRefusal = 'bad-header' | 'too-large' | 'too-many' | 'overrun' | 'stale' | 'sender-left';

interface Transfer {
  from: string;
  header: FileHeader;
  parts: Uint8Array[];
  received: number;
  lastActivity: number;
}

export class FileReceiver {
  private readonly open = new Map<string, Transfer>();
  private openBytes = 0;

  constructor(private readonly limits: ReceiveLimits = RECEIVE_LIMITS) {}

  /** Starts receiving a file; a refusal says why it will not be. */
  start(from: string, header: FileHeader, now = Date.now()): FileRefusal | undefined {
    if (!isHeader(header)) return 'bad-header';
    if (header.size > this.limits.maxFileBytes) return 'too-large';
    this.remove(`${from}/${header.id}`); // the same id again starts over
    if (this.open.size >= this.limits.maxOpenTransfers || this.openBytes + header.size > this.limits.maxOpenBytes) return 'too-many';
    this.open.set(`${from}/${header.id}`, { from, header, parts: [], received: 0, lastActivity: now });
    this.openBytes += header.size;
    return undefined;
  }

  /** The fraction received, or why the transfer was dropped; undefined if the chunk belongs to no transfer. */
  chunk(from: string, bytes: Uint8Array, now = Date.now()): { header: FileHeader; fraction: number; dropped?: FileRefusal } | undefined {
    const chunk = decodeChunk(bytes);
    const key = chunk && `${from}/${chunk.id}`;
    const entry = key && this.open.get(key);
    if (chunk === undefined || !entry) return undefined;
    if (entry.received + chunk.data.length > entry.header.size) {
      this.remove(key);
      return { header: entry.header, fraction: 0, dropped: 'overrun' };
    }
    entry.parts.push(chunk.data.slice());
    entry.received += chunk.data.length;
    entry.lastActivity = now;
    return { header: entry.header, fraction: entry.received / Math.max(1, entry.header.size) };
  }

  async end(from: string, end: FileEnd): Promise<{ header: FileHeader; bytes: Uint8Array; intact: boolean; sha256: string } | undefined> {
    const key = `${from}/${end.id}`;
    const entry = this.open.get(key);
    if (entry === undefined) return undefined;
    this.remove(key);
    const bytes = new Uint8Array(entry.received);
    let offset = 0;
    for (const part of entry.parts) {
      bytes.set(part, offset);
      offset += part.length;
    }
    const sha256 = await sha256Hex(bytes);
    return { header: entry.header, bytes, sha256, intact: sha256 === end.sha256 && bytes.length === entry.header.size };
  }

  /** Drops transfers idle for staleMs; returns them. */
  sweep(now = Date.now()): { from: string; header: FileHeader }[] {
    return this.dropWhere((t) => now - t.lastActivity > this.limits.staleMs);
  }

  /** Drops the transfers of a sender that left; returns them. */
  dropFrom(from: string): { from: string; header: FileHeader }[] {
    return this.dropWhere((t) => t.from === from);
  }

  /** Transfers in progress, and the bytes they announced (diagnostics, tests). */
  get inProgress(): { transfers: number; announcedBytes: number } {
    return { transfers: this.open.size, announcedBytes: this.openBytes };
  }

  private dropWhere(match: (t: Transfer) => boolean): { from: string; header: FileHeader }[] {
    const dropped = [...this.open.entries()].filter(([, t]) => match(t));
    for (const [key] of dropped) this.remove(key);
    return dropped.map(([, t]) => ({ from: t.from, header: t.header }));
  }

  private remove(key: string): void {
    const entry = this.open.get(key);
    if (entry === undefined) return;
    this.open.delete(key);
    this.openBytes -= entry.header.size;
  }
}

function isHeader(h: FileHeader): boolean {
  return typeof h.id === 'string' && h.id.length > 0 && h.id.length <= 8 && typeof h.name === 'string' && h.name.length <= 255 &&
    typeof h.mime === 'string' && h.mime.length <= 255 &&
    Number.isSafeInteger(h.size) && h.size >= 0;
}

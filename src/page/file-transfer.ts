/**
 * Files over the room: a JSON header message, then binary chunks, each tagged with the transfer id, then
 * a JSON end message with the SHA-256 the receiver checks. The room client delivers messages once and in
 * order, so the chunks need no sequence numbers of their own.
 */
import type { Room } from '../client/room.ts';

export const CHUNK_BYTES = 64 * 1024;
/** Unacknowledged bytes per link before the sender waits: keeps progress honest and memory bounded. */
const WINDOW_BYTES = 1024 * 1024;

export interface FileHeader {
  t: 'file-start';
  id: string;
  name: string;
  size: number;
  mime: string;
}

export interface FileEnd {
  t: 'file-end';
  id: string;
  sha256: string;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as unknown as ArrayBuffer);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

const idBytes = 8;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A chunk: 8 ASCII bytes of transfer id, then data. */
export function encodeChunk(id: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(idBytes + data.length);
  out.set(encoder.encode(id.padEnd(idBytes).slice(0, idBytes)));
  out.set(data, idBytes);
  return out;
}

export function decodeChunk(bytes: Uint8Array): { id: string; data: Uint8Array } | undefined {
  if (bytes.length < idBytes) return undefined;
  return { id: decoder.decode(bytes.subarray(0, idBytes)).trim(), data: bytes.subarray(idBytes) };
}

/**
 * Sends a file to the room or one peer, calling `progress(sentFraction)` as the peers acknowledge it.
 * `buffered()` is the most bytes any target link still has unacknowledged.
 */
export async function sendFile(room: Room, file: { name: string; type: string; bytes: Uint8Array }, to: string | undefined,
  buffered: () => number, progress: (fraction: number) => void): Promise<FileHeader> {
  const id = Math.random().toString(36).slice(2, 10).padEnd(idBytes, '0');
  const header: FileHeader = { t: 'file-start', id, name: file.name, size: file.bytes.length, mime: file.type || 'application/octet-stream' };
  const options = to === undefined ? {} : { to };
  room.send(JSON.stringify(header), options);
  for (let offset = 0; offset < file.bytes.length; offset += CHUNK_BYTES) {
    while (buffered() > WINDOW_BYTES) await new Promise((r) => setTimeout(r, 20));
    room.send(encodeChunk(id, file.bytes.subarray(offset, offset + CHUNK_BYTES)), options);
    progress(Math.max(0, offset + CHUNK_BYTES - buffered()) / Math.max(1, file.bytes.length));
  }
  room.send(JSON.stringify({ t: 'file-end', id, sha256: await sha256Hex(file.bytes) } satisfies FileEnd), options);
  while (buffered() > 0) {
    progress(Math.min(1, (file.bytes.length - buffered()) / Math.max(1, file.bytes.length)));
    await new Promise((r) => setTimeout(r, 50));
  }
  progress(1);
  return header;
}

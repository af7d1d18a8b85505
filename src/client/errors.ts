/** Errors the room client throws at its caller, each with a stable code (src/protocol/codes.ts CLIENT_CODES). */
import type { ClientCode } from '../protocol/index.ts';

export class SendQueueFullError extends Error {
  readonly code: ClientCode = 'send-queue-full';
}

export class MessageTooLargeError extends Error {
  readonly code: ClientCode = 'message-too-large';
}

/**
 * Refuses data larger than `maxBytes` (strings count their UTF-8 bytes), before anything is queued: a
 * receiver would drop the message anyway (it reassembles at most maxMessageBytes).
 */
export function checkMessageSize(data: string | Uint8Array, maxBytes: number): void {
  // Each UTF-16 unit is 1 to 3 bytes of UTF-8: most strings are decided without counting.
  if (typeof data === 'string' && data.length * 3 <= maxBytes) return;
  const bytes = typeof data === 'string' ? utf8Length(data) : data.length;
  if (bytes > maxBytes) throw new MessageTooLargeError(`a message of ${bytes} bytes is larger than maxMessageBytes (${maxBytes})`);
}

/** UTF-8 length of a string as TextEncoder writes it (a lone surrogate becomes U+FFFD, 3 bytes), counted without encoding. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

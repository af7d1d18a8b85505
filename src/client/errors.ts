/** Errors the room client throws at its caller, each with a stable code (src/protocol/codes.ts CLIENT_CODES). */
import { dataBytes, type ClientCode } from '../protocol/index.ts';

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
  const bytes = dataBytes(data);
  if (bytes > maxBytes) throw new MessageTooLargeError(`a message of ${bytes} bytes is larger than maxMessageBytes (${maxBytes})`);
}

/** Small pure checks shared by the parsers. */

/** Control, format and line/paragraph separator characters: invisible or layout-breaking in a name. */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/**
 * A room or peer name: 1..maxLength characters (Unicode code points), printable, without
 * leading or trailing white space (two names that look alike must be the same name).
 */
export function nameProblem(value: unknown, maxLength: number): string | null {
  if (typeof value !== 'string') return 'must be a string';
  if (value.length === 0) return 'must not be empty';
  if (value.length > maxLength * 2 || [...value].length > maxLength) return `must be at most ${maxLength} characters`;
  if (UNPRINTABLE.test(value)) return 'must contain only printable characters';
  if (value.trim() !== value) return 'must not start or end with white space';
  return null;
}

/**
 * Link records carry the room's name after a one-byte length (docs/protocol.md, link records): a room
 * name must also fit 255 bytes of UTF-8, or its members could not send each other anything.
 */
export const MAX_ROOM_NAME_BYTES = 255;

export function roomNameProblem(value: unknown, maxLength: number): string | null {
  const problem = nameProblem(value, maxLength);
  if (problem !== null) return problem;
  return utf8Length(value as string) > MAX_ROOM_NAME_BYTES ? `must be at most ${MAX_ROOM_NAME_BYTES} bytes of UTF-8` : null;
}

/** Bytes of a message's data: a string's UTF-8, or the bytes themselves. */
export function dataBytes(data: string | Uint8Array): number {
  return typeof data === 'string' ? utf8Length(data) : data.length;
}

/** Bytes of `text` in UTF-8, without encoding it (a lone surrogate counts 3, as TextEncoder writes U+FFFD). */
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

/** An identifier we issued (peer id, resume token): a short non-empty string. */
export function idProblem(value: unknown, maxLength: number): string | null {
  if (typeof value !== 'string') return 'must be a string';
  if (value.length === 0 || value.length > maxLength) return `must be 1 to ${maxLength} characters`;
  return null;
}

/**
 * True when `value` nests arrays/objects deeper than `maxDepth`. Recursion stops at maxDepth, so the
 * check itself cannot overflow the stack (JSON.stringify of a 10,000-deep array does).
 */
export function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (maxDepth <= 0) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (nestsDeeperThan(item, maxDepth - 1)) return true;
    return false;
  }
  for (const key in value) {
    if (nestsDeeperThan((value as Record<string, unknown>)[key], maxDepth - 1)) return true;
  }
  return false;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

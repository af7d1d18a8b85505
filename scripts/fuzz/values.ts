/**
 * Values a hostile client puts where the protocol expects something else: strings at the edges of
 * Unicode and of the length limits, numbers at the edges of IEEE 754, keys that name prototype members,
 * and any JSON value at all.
 */
import type { Rng } from './rng.ts';

/** Characters that break naive code: NUL, controls, BOM, zero-width, bidi overrides, line separators, emoji, combining marks, lone surrogates. */
const TRICKY_CHARS = [
  '\u0000', '\u0001', '\u001f', '\u007f', '\u0085', '\u00a0', '\u00ad', '\u200b', '\u200d', '\u200e', '\u202e', '\u2028', '\u2029',
  '\u2066', '\ufeff', '\ufffd', '\uffff', '\ud800', '\udfff', '\ud83d', '\ude00', '😀', '👩‍👩‍👧', '🏳️‍🌈', 'é', 'e\u0301', 'Å', 'ǅ', 'ﷺ', '𒐫',
  '中', 'ß', 'İ', '\\', '"', '/', ' ', '\t', '\n', '\r', '{', '}', '[', ']', ':', ',',
];

/** Own keys that are also Object.prototype members, and fields the hub must never trust from a client. */
export const HOSTILE_KEYS = [
  '__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', '__defineGetter__',
  'then', 'length', 'from', 'ref', 'history', 'peerId', 'seq', 'type', 'id', 'room', 'to', 'data', 'token', 'role', 'received', '',
];

/** Numbers a parser or a counter may mishandle. JSON has no NaN/Infinity: 1e400 parses to Infinity. */
export const EDGE_NUMBERS_JSON = [
  '0', '-0', '1', '-1', '0.5', '1.5', '-1.5', '1e21', '1e-7', '4294967295', '4294967296', '2147483647', '-2147483648',
  '9007199254740991', '9007199254740992', '9007199254740993', '-9007199254740993', '1.7976931348623157e308', '5e-324',
  '1e400', '-1e400', '1e-400', '123456789012345678901234567890', '0.1e1', '1E+2',
];

export const EDGE_NUMBERS = EDGE_NUMBERS_JSON.map(Number);

export function randomString(rng: Rng, maxLength: number): string {
  const n = rng.length(maxLength);
  let s = '';
  while (s.length < n) {
    const r = rng.int(4);
    if (r === 0) s += rng.pick(TRICKY_CHARS);
    else if (r === 1) s += String.fromCharCode(rng.int(0x10000)); // any UTF-16 unit, lone surrogates included
    else s += String.fromCharCode(0x20 + rng.int(0x5f)); // printable ASCII
  }
  return s;
}

/** Strings chosen for where names, ids and tokens go. */
export function edgeString(rng: Rng): string {
  switch (rng.int(10)) {
    case 0: return '';
    case 1: return ' ';
    case 2: return ' padded ';
    case 3: return 'x'.repeat(rng.pick([31, 32, 33, 63, 64, 65, 127, 128, 4095, 4096, 4097]));
    case 4: return '😀'.repeat(rng.pick([16, 32, 33, 64, 65])); // 2 UTF-16 units each: counts by code point and by unit differ
    case 5: return rng.pick(HOSTILE_KEYS);
    case 6: return rng.pick(TRICKY_CHARS).repeat(rng.between(1, 3));
    case 7: return 'y'.repeat(rng.between(5_000, 20_000));
    default: return randomString(rng, 80);
  }
}

/** Any JSON value, nesting at most `depth` levels. */
export function randomJson(rng: Rng, depth: number): unknown {
  const r = rng.int(depth > 0 ? 9 : 6);
  switch (r) {
    case 0: return null;
    case 1: return rng.chance(0.5);
    case 2: return rng.pick(EDGE_NUMBERS);
    case 3: return rng.int(1_000_000) - 500_000;
    case 4: return randomString(rng, 40);
    case 5: return edgeString(rng);
    case 6:
    case 7: return Array.from({ length: rng.length(6) }, () => randomJson(rng, depth - 1));
    default: {
      const out: Record<string, unknown> = {};
      for (let i = rng.length(5); i > 0; i--) setOwn(out, rng.chance(0.3) ? rng.pick(HOSTILE_KEYS) : randomString(rng, 8), randomJson(rng, depth - 1));
      return out;
    }
  }
}

/** A value of some other JSON type than the field wants (the caller does not know which). */
export function wrongValue(rng: Rng): unknown {
  switch (rng.int(8)) {
    case 0: return null;
    case 1: return rng.chance(0.5);
    case 2: return rng.pick(EDGE_NUMBERS);
    case 3: return [];
    case 4: return {};
    case 5: return [edgeString(rng)];
    case 6: return { toString: 'x', valueOf: 1 };
    default: return edgeString(rng);
  }
}

/**
 * Sets an own enumerable property, `__proto__` included: in an object literal or by assignment,
 * `__proto__` would set the prototype instead, and JSON.stringify would not write it.
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * The hub forwards a `signal` or `relay`'s `data` as it came: instead of serialising the parsed value
 * again (a profile of the relay put a quarter of the hub's own time in JSON.stringify), it copies the text
 * of `data` from the frame. That is only safe when the copy means exactly what the parser read, so the copy
 * is taken only when `data` is the frame's last member (as every roomwire client writes it): then its text
 * runs from its key to the closing brace. A frame written otherwise is serialised again, as before.
 *
 * The copy is checked to be one JSON value that runs to the frame's closing brace: no member (a second
 * `from`, say, a duplicate of an earlier key that JSON.parse would not move) may ride along after it.
 */

/**
 * The text of the top-level `data` value of `raw` (a JSON object that parsed to `parsed`), or undefined
 * when `data` is not its last member or the frame is written in a way this does not follow.
 */
export function rawDataText(raw: string, parsed: Record<string, unknown>): string | undefined {
  let last: string | undefined;
  for (const key in parsed) last = key;
  if (last !== 'data') return undefined;
  const start = topLevelDataStart(raw);
  if (start < 0) return undefined;
  const end = valueEnd(raw, start);
  // After the value: only spaces, then the object's closing brace, then only spaces.
  let i = end;
  while (i < raw.length && isSpace(raw.charCodeAt(i))) i++;
  if (raw.charCodeAt(i) !== CLOSE_BRACE) return undefined;
  for (i++; i < raw.length; i++) if (!isSpace(raw.charCodeAt(i))) return undefined;
  return raw.slice(start, end);
}

const QUOTE = 34;
const BACKSLASH = 92;
const COLON = 58;
const COMMA = 44;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/**
 * Index just after the `:` of the first `"data"` key at depth 1, or -1. Walks strings (with escapes) and
 * nesting; the frame is already known to be valid JSON, so it need not check what it skips.
 */
function topLevelDataStart(raw: string): number {
  let depth = 0;
  let keyStart = -1; // a string just read at depth 1 may be a key: where its text began
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === QUOTE) {
      const open = i;
      i = stringEnd(raw, i);
      keyStart = depth === 1 ? open : -1;
      continue;
    }
    if (c === COLON) {
      if (keyStart >= 0 && i - keyStart >= 6 && raw.startsWith('"data"', keyStart) && isKeyEnd(raw, keyStart + 6, i)) return i + 1;
      keyStart = -1;
      continue;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
    if (!isSpace(c)) keyStart = -1;
  }
  return -1;
}

/**
 * Index just after the JSON value that starts at or after `from` (spaces first): a string, an object or
 * array (with everything nested), or a scalar (up to the next `,` `}` `]` or space).
 */
function valueEnd(raw: string, from: number): number {
  let i = from;
  while (i < raw.length && isSpace(raw.charCodeAt(i))) i++;
  let depth = 0;
  for (; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === QUOTE) {
      i = stringEnd(raw, i);
      if (depth === 0) return i + 1;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (depth === 0) return i; // a scalar ended by its container
      if (--depth === 0) return i + 1;
    } else if (depth === 0 && (c === COMMA || isSpace(c))) {
      return i;
    }
  }
  return i;
}

/** Index of the quote that closes the string opening at `open` (found natively: strings are most of a frame). */
function stringEnd(raw: string, open: number): number {
  let i = open;
  for (;;) {
    i = raw.indexOf('"', i + 1);
    if (i < 0) return raw.length;
    let backslashes = 0;
    for (let j = i - 1; raw.charCodeAt(j) === BACKSLASH; j--) backslashes++;
    if ((backslashes & 1) === 0) return i; // an even run of backslashes escapes itself, not the quote
  }
}

/** Only spaces between the key's closing quote (at `from`) and its colon (at `to`). */
function isKeyEnd(raw: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isSpace(raw.charCodeAt(i))) return false;
  return true;
}

/**
 * What a fuzz connection sends next: one seeded choice among protocol moves, mutated messages, text
 * mutations, random text and bytes, deep nesting, truncations, frames at the size limits, WebSocket
 * control frames and disconnects. Deep and huge frames are written as text directly: building them as
 * objects would overflow our own stack in JSON.stringify before the hub ever saw them.
 */
import { validMessage, type Message, type MoveContext } from './moves.ts';
import { weights, type Rng } from './rng.ts';
import { EDGE_NUMBERS_JSON, HOSTILE_KEYS, edgeString, randomJson, randomString, setOwn, wrongValue } from './values.ts';

export type FrameKind =
  | 'protocol' | 'mutated' | 'text-mutated' | 'random-text' | 'random-binary' | 'invalid-utf8'
  | 'deep' | 'truncated' | 'near-limit' | 'over-hard-limit';

export type FuzzAction =
  | { kind: FrameKind; data: string | Buffer; binary: boolean }
  | { kind: 'ping' | 'pong'; data: Buffer }
  /** Leave without a word (terminate: a dead network) or with a close code of our choosing. */
  | { kind: 'drop'; terminate: boolean; code: number }
  /** Stop reading for a while and keep sending: a slow reader, which the hub cuts off (4008) past maxBufferedBytes. */
  | { kind: 'stall'; ms: number }
  /**
   * The same frame `count` times: room broadcasts just under maxFrameBytes, megabytes for every member,
   * which cut off the members that stall. Never into the pair's room: the pair shares this process's one
   * thread with the fuzzers, and a harness that starves its own reader would report a loss of its making.
   */
  | { kind: 'flood'; data: string; count: number }
  /** One message in several WebSocket fragments (RFC 6455 §5.4): the hub sees it whole, or refuses it whole. */
  | { kind: 'fragmented'; parts: Buffer[]; binary: boolean };

export type ActionKind = FuzzAction['kind'];

/** After these the connection is over: the hub closes it (1007, 1009), or we did. */
export const ENDS_CONNECTION: ReadonlySet<ActionKind> = new Set<ActionKind>(['invalid-utf8', 'over-hard-limit', 'drop']);

/** Parts per million of each action. Frames that close the connection are rare: reconnecting costs a handshake. */
const WEIGHTS = weights<ActionKind>({
  protocol: 280_000,
  mutated: 300_000,
  'text-mutated': 60_000,
  'random-text': 80_000,
  'random-binary': 40_000,
  deep: 50_000,
  truncated: 120_000,
  'near-limit': 1_500,
  'invalid-utf8': 2_000,
  ping: 2_500,
  pong: 2_500,
  drop: 300,
  stall: 300,
  flood: 40,
  fragmented: 5_000,
  'over-hard-limit': 100,
});

const json = (m: Message): string => JSON.stringify(m);

function mutate(rng: Rng, m: Message, ctx: MoveContext): Message {
  const keys = Object.keys(m);
  for (let i = rng.between(1, 3); i > 0; i--) {
    const key = keys.length > 0 ? rng.pick(keys) : 'type';
    switch (rng.int(9)) {
      case 0: delete m[key]; break;
      case 1: m[key] = wrongValue(rng); break;
      case 2: m[key] = edgeString(rng); break;
      case 3: m[key] = Number(rng.pick(EDGE_NUMBERS_JSON)); break;
      case 4: setOwn(m, rng.pick(HOSTILE_KEYS), randomJson(rng, 3)); break;
      case 5: m.type = mutateType(rng, typeof m.type === 'string' ? m.type : 'join'); break;
      case 6: m.id = rng.pick([wrongValue(rng), 'i'.repeat(65), -0, 1.5, 1e308, -1e308]); break;
      case 7: m.data = nestedValue(rng, rng.between(ctx.world.limits.maxJsonDepth - 3, ctx.world.limits.maxJsonDepth + 2)); break;
      default: m[key] = randomJson(rng, 4); break;
    }
  }
  return m;
}

function mutateType(rng: Rng, type: string): string {
  switch (rng.int(6)) {
    case 0: return type.toUpperCase();
    case 1: return ` ${type}`;
    case 2: return type + '\u0000';
    case 3: return rng.pick(HOSTILE_KEYS);
    case 4: return type.slice(0, rng.int(type.length));
    default: return randomString(rng, 12);
  }
}

/** An object nested `depth` levels (depth stays small here: stringified normally). */
function nestedValue(rng: Rng, depth: number): unknown {
  let value: unknown = rng.chance(0.5) ? 1 : 'leaf';
  for (let i = 0; i < depth; i++) value = rng.chance(0.5) ? [value] : { a: value };
  return value;
}

/** Edits on the JSON text that no object can express: duplicate keys, padding, a byte order mark, trailing garbage. */
function mutateText(rng: Rng, text: string): string {
  switch (rng.int(7)) {
    case 0: return text.slice(0, -1) + `,"type":${JSON.stringify(edgeString(rng))}}`; // duplicate key: JSON.parse keeps the last
    case 1: return '\ufeff' + text;
    case 2: return ' \t\r\n'.repeat(rng.between(1, 100)) + text + ' \n';
    case 3: return text + rng.pick(['}', ']', ',', '{}', 'null', '\u0000', ' x']);
    case 4: {
      const at = rng.int(text.length);
      return text.slice(0, at) + String.fromCharCode(rng.int(0x10000)) + text.slice(at + 1);
    }
    case 5: return text.replace(/"(\d+|true|false|null)"/g, '$1').replace(/:(\d+)/, ':"$1"'); // strings <-> bare literals
    default: return text.replace(/[a-z]/, (c) => `\\u00${c.charCodeAt(0).toString(16)}`); // escaped key or value: same meaning
  }
}

/** Random text weighted towards JSON punctuation, so that it sometimes almost parses. */
function randomText(rng: Rng): string {
  if (rng.chance(0.5)) return randomString(rng, 300);
  const parts = ['{', '}', '[', ']', '"', ':', ',', 'null', 'true', '1e999', '-', '"type"', '"join"', '"room"', '\\', '\\u', ' '];
  let s = '';
  for (let i = rng.length(80); i > 0; i--) s += rng.pick(parts);
  return s;
}

function deepText(rng: Rng, maxDepth: number, maxFrameBytes: number): string {
  // Mostly at the limit, where an off-by-one would show; now and then far past it (costly: tens of KB to parse).
  const r = rng.int(100);
  const depth = r < 85 ? maxDepth + rng.between(-2, 2) : r < 97 ? rng.pick([64, 256, 1_000]) : rng.pick([10_000, 30_000]);
  const shape = rng.int(3);
  const open = shape === 0 ? '[' : shape === 1 ? '{"a":' : '[{"a":';
  const close = shape === 0 ? ']' : shape === 1 ? '}' : '}]';
  const levels = shape === 2 ? Math.ceil(depth / 2) : depth;
  // Never above maxFrameBytes: a nest the hub refuses by size alone is tested by `near-limit`.
  const fit = Math.min(levels, Math.floor((maxFrameBytes - 64) / (open.length + close.length)));
  const core = open.repeat(fit) + rng.pick(['1', 'null', '"x"', '[]', '{}']) + (rng.chance(0.1) ? '' : close.repeat(fit));
  switch (rng.int(3)) {
    case 0: return core;
    case 1: return `{"type":"relay","room":"fuzz-a","data":${core}}`;
    default: return `{"type":"signal","to":"x","id":1,"data":${core}}`;
  }
}

/** A room relay of exactly `bytes` bytes of UTF-8 (valid JSON when it fits the frame at all). */
function frameOfSize(room: string, bytes: number): string {
  const head = `{"type":"relay","room":${JSON.stringify(room)},"data":"`;
  const tail = '"}';
  return head + 'x'.repeat(Math.max(0, bytes - Buffer.byteLength(head) - tail.length)) + tail;
}

/**
 * Bytes that are not UTF-8 wherever they stand: each sequence starts with a byte that is never a
 * continuation and is never valid there (C0 overlong, ED A0 an encoded surrogate, F5+ beyond U+10FFFF).
 * Last, so that no random byte can complete it.
 */
const NEVER_UTF8 = [[0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf5, 0x80, 0x80, 0x80], [0xfe], [0xff]];

function invalidUtf8(rng: Rng): Buffer {
  const valid = Buffer.from('{"type":"join","room":"');
  return Buffer.concat([valid, rng.bytes(rng.length(64)), Buffer.from(rng.pick(NEVER_UTF8))]);
}

export function nextAction(ctx: MoveContext): FuzzAction {
  const { rng, world } = ctx;
  const { maxFrameBytes, hardMaxFrameBytes, maxJsonDepth } = world.limits;
  const kind = rng.choose(WEIGHTS);
  switch (kind) {
    case 'protocol': return text(kind, json(validMessage(ctx)));
    case 'mutated': return text(kind, json(mutate(rng, validMessage(ctx), ctx)));
    case 'text-mutated': return text(kind, mutateText(rng, json(validMessage(ctx))));
    case 'random-text': return text(kind, randomText(rng));
    case 'random-binary': return { kind, data: rng.chance(0.5) ? rng.bytes(rng.length(512)) : Buffer.from(json(validMessage(ctx))), binary: true };
    case 'invalid-utf8': return { kind, data: invalidUtf8(rng), binary: false };
    case 'deep': return text(kind, deepText(rng, maxJsonDepth, maxFrameBytes));
    case 'truncated': {
      const whole = rng.chance(0.9) ? json(rng.chance(0.5) ? validMessage(ctx) : mutate(rng, validMessage(ctx), ctx)) : deepText(rng, maxJsonDepth, maxFrameBytes);
      return text(kind, whole.slice(0, rng.int(whole.length)));
    }
    case 'near-limit': {
      const r = rng.int(100); // megabyte frames are rare: each costs the hub a read of the whole megabyte
      const size = r < 95 ? maxFrameBytes + rng.between(-2, 2) : r < 99 ? 2 * maxFrameBytes : hardMaxFrameBytes - rng.int(2);
      return text(kind, frameOfSize(bigRoom(ctx), size));
    }
    case 'over-hard-limit': return text(kind, frameOfSize(bigRoom(ctx), hardMaxFrameBytes + rng.between(1, 16)));
    case 'ping':
    case 'pong': return { kind, data: rng.bytes(rng.length(125)) };
    case 'drop': return { kind, terminate: rng.chance(0.5), code: rng.pick([1000, 1001, 3000, 4000, 4001, 4999]) };
    case 'stall': return { kind, ms: rng.between(200, 3_000) };
    case 'fragmented': {
      const whole = Buffer.from(rng.chance(0.7) ? json(validMessage(ctx)) : json(mutate(rng, validMessage(ctx), ctx)));
      const cuts = Array.from({ length: rng.between(1, 7) }, () => rng.int(whole.length + 1)).sort((a, b) => a - b);
      const parts = [0, ...cuts].map((from, i) => whole.subarray(from, cuts[i] ?? whole.length)); // a UTF-8 character may span two fragments
      return { kind, parts, binary: rng.chance(0.1) };
    }
    case 'flood': {
      const rooms = [...ctx.self.rooms].filter((room) => room !== world.rooms[0]);
      if (rooms.length === 0) return text('protocol', JSON.stringify({ type: 'join', room: rng.pick(world.rooms.slice(1)) }));
      return { kind, data: frameOfSize(rng.pick(rooms), maxFrameBytes - rng.int(1_000)), count: rng.between(16, 80) };
    }
  }
}

/** A room the connection is in, so that a big frame that passes is really broadcast. */
function bigRoom({ rng, world, self }: MoveContext): string {
  return self.rooms.size > 0 ? rng.pick([...self.rooms]) : world.rooms[0]!;
}

function text(kind: FrameKind, data: string): FuzzAction {
  return { kind, data, binary: false };
}

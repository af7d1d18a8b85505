/**
 * peerjs-server's wire format: JSON text frames `{type, src?, dst?, payload?}` (peers/peerjs-server,
 * src/enums.ts and src/messageHandler/). Clients send HEARTBEAT, and OFFER, ANSWER and CANDIDATE for a `dst`;
 * the server sends OPEN, ID-TAKEN, ERROR and EXPIRE, and relays what clients send with `src` set by itself.
 * parsePeerjsFrame never throws: a frame is a typed message or a stable code (src/protocol/codes.ts).
 */
import type { PeerjsErrorCode } from '../protocol/codes.ts';
import { isPlainObject, nestsDeeperThan } from '../protocol/validate.ts';

/** Types peerjs-server relays from one client to another (its TransmissionHandler's). */
export const PEERJS_RELAYED_TYPES = ['OFFER', 'ANSWER', 'CANDIDATE', 'LEAVE', 'EXPIRE'] as const;
export type PeerjsRelayedType = (typeof PEERJS_RELAYED_TYPES)[number];
export const PEERJS_CLIENT_TYPES = ['HEARTBEAT', ...PEERJS_RELAYED_TYPES] as const;
export type PeerjsClientType = (typeof PEERJS_CLIENT_TYPES)[number];

export type PeerjsClientMessage =
  | { type: 'HEARTBEAT' }
  /** `dst` undefined: only for LEAVE, which then means "I leave the server". */
  | { type: PeerjsRelayedType; dst: string | undefined; payload: unknown };

export type PeerjsParseResult = { ok: true; message: PeerjsClientMessage } | { ok: false; code: PeerjsErrorCode; msg: string };

const RELAYED = new Set<string>(PEERJS_RELAYED_TYPES);

export function parsePeerjsFrame(raw: string, maxJsonDepth: number): PeerjsParseResult {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, code: 'bad-json', msg: 'frame is not valid JSON' };
  }
  if (!isPlainObject(value)) return { ok: false, code: 'bad-message', msg: 'a message is a JSON object' };
  if (nestsDeeperThan(value, maxJsonDepth)) return { ok: false, code: 'too-deep', msg: `JSON nests deeper than ${maxJsonDepth} levels` };
  const { type, dst } = value;
  if (typeof type !== 'string') return { ok: false, code: 'bad-message', msg: 'type must be a string' };
  if (type === 'HEARTBEAT') return { ok: true, message: { type } };
  if (!RELAYED.has(type)) return { ok: false, code: 'unknown-type', msg: `unknown message type ${JSON.stringify(type.slice(0, 40))}` };
  if (dst !== undefined && typeof dst !== 'string') return { ok: false, code: 'bad-message', msg: `${type}: dst must be a string` };
  // peerjs-server drops these without a word; only LEAVE has a meaning without a destination.
  if ((dst === undefined || dst === '') && type !== 'LEAVE') return { ok: false, code: 'bad-message', msg: `${type}: dst is required` };
  return { ok: true, message: { type: type as PeerjsRelayedType, dst: dst === '' ? undefined : dst, payload: value.payload } };
}

/** peerjs-server's texts (its src/enums.ts `Errors`), so a PeerJS app shows what it always showed. */
export const PEERJS_TEXTS = {
  missingParameters: 'No id, token, or key supplied to websocket server',
  invalidKey: 'Invalid key provided',
  invalidToken: 'Invalid token provided',
  concurrentLimit: 'Server has reached its concurrent user limit',
  idTaken: 'ID is taken',
} as const;

export const OPEN_FRAME = JSON.stringify({ type: 'OPEN' });
export const ID_TAKEN_FRAME = JSON.stringify({ type: 'ID-TAKEN', payload: { msg: PEERJS_TEXTS.idTaken } });

/** `payload.msg` is what the peerjs client reports (error type server-error); `payload.code` is ours and stable. */
export function errorFrame(code: PeerjsErrorCode, msg: string): string {
  return JSON.stringify({ type: 'ERROR', payload: { msg, code } });
}

/** A relayed message exactly as peerjs-server re-encodes it: these four fields, in this order, nothing else. */
export function relayFrame(type: PeerjsRelayedType, src: string, dst: string, payload: unknown): string {
  return JSON.stringify({ type, src, dst, payload });
}

/** To the sender of messages for `absent`: they expired unread. As peerjs-server: src is the absent id. */
export function expireFrame(absent: string, sender: string): string {
  return relayFrame('EXPIRE', absent, sender, undefined);
}

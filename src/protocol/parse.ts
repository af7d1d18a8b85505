/**
 * parseClientMessage: a raw text frame in, a typed client message or a stable error code out.
 * It never throws. The hub runs it on every inbound frame; bots and tests use it to build frames.
 */
import type { ErrorCode } from './codes.ts';
import { LINK_PATHS, type ClientMessage, type ClientMessageType, type HubMessage, type RequestId } from './messages.ts';
import { idProblem, isPlainObject, nameProblem, nestsDeeperThan, roomNameProblem } from './validate.ts';

/** The limits parsing enforces; the hub passes its options (see src/hub/options.ts for defaults). */
export interface ParseLimits {
  maxJsonDepth: number;
  maxRoomNameLength: number;
  maxPeerNameLength: number;
}

export type ParseResult =
  | { ok: true; message: ClientMessage }
  | { ok: false; code: ErrorCode; message: string; ref?: RequestId };

/** Peer ids are uuids (36 chars); resume tokens 43; request ids are the client's own. */
const MAX_ID_LENGTH = 64;
const MAX_TOKEN_LENGTH = 4096;

type Fields = Record<string, unknown>;
/** Returns what is wrong with the fields of one message type, or null when they are valid. */
type FieldCheck = (fields: Fields, limits: ParseLimits) => string | null;

function field(name: string, problem: string | null): string | null {
  return problem === null ? null : `${name} ${problem}`;
}

const checks: Record<ClientMessageType, FieldCheck> = {
  join: (f, l) =>
    field('room', roomNameProblem(f.room, l.maxRoomNameLength)) ??
    (f.name === undefined ? null : field('name', nameProblem(f.name, l.maxPeerNameLength))) ??
    (f.token === undefined ? null : field('token', idProblem(f.token, MAX_TOKEN_LENGTH))) ??
    (f.role === undefined || f.role === 'peer' || f.role === 'server' ? null : 'role must be peer or server'),
  leave: (f, l) => field('room', roomNameProblem(f.room, l.maxRoomNameLength)),
  signal: (f) =>
    field('to', idProblem(f.to, MAX_ID_LENGTH)) ?? (f.data === undefined ? 'data is required' : null),
  relay: (f, l) => {
    if (f.to === undefined && f.room === undefined) return 'relay needs `to`, `room` or both';
    return (
      (f.to === undefined ? null : field('to', idProblem(f.to, MAX_ID_LENGTH))) ??
      (f.room === undefined ? null : field('room', roomNameProblem(f.room, l.maxRoomNameLength))) ??
      (f.data === undefined ? 'data is required' : null)
    );
  },
  'refresh-ice': () => null,
  'watch-rooms': (f) => field('token', idProblem(f.token, MAX_TOKEN_LENGTH)),
  'link-path': (f) =>
    field('peerId', idProblem(f.peerId, MAX_ID_LENGTH)) ??
    ((LINK_PATHS as readonly unknown[]).includes(f.path) ? null : `path must be one of ${LINK_PATHS.join(', ')}`),
  resume: (f) =>
    field('token', idProblem(f.token, MAX_TOKEN_LENGTH)) ??
    (Number.isSafeInteger(f.received) && (f.received as number) >= 0 ? null : 'received must be a whole number >= 0'),
};

function requestIdOf(value: unknown): RequestId | undefined | null {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value.length <= MAX_ID_LENGTH) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return null;
}

export function parseClientMessage(raw: string, limits: ParseLimits): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, code: 'bad-json', message: 'frame is not valid JSON' };
  }
  if (!isPlainObject(value)) return { ok: false, code: 'bad-message', message: 'a message is a JSON object' };

  const ref = requestIdOf(value.id);
  if (ref === null) {
    return { ok: false, code: 'bad-message', message: `id must be a finite number or a string of at most ${MAX_ID_LENGTH} characters` };
  }
  if (nestsDeeperThan(value, limits.maxJsonDepth)) {
    return failure('too-deep', `JSON nests deeper than ${limits.maxJsonDepth} levels`, ref);
  }
  const type = value.type;
  if (typeof type !== 'string') return failure('bad-message', 'type must be a string', ref);
  if (!Object.hasOwn(checks, type)) return failure('unknown-type', `unknown message type ${JSON.stringify(type.slice(0, 40))}`, ref);

  const problem = checks[type as ClientMessageType](value, limits);
  if (problem !== null) return failure('bad-message', `${type}: ${problem}`, ref);
  return { ok: true, message: value as unknown as ClientMessage };
}

// Module level, not a closure in parseClientMessage: this runs for every frame the hub receives.
function failure(code: ErrorCode, message: string, ref: RequestId | undefined): ParseResult {
  return ref === undefined ? { ok: false, code, message } : { ok: false, code, message, ref };
}

const HUB_MESSAGE_TYPES = new Set<string>(['welcome', 'joined', 'left', 'peer-joined', 'peer-left', 'signal', 'relay', 'resumed', 'ice-servers', 'watching', 'room-opened', 'room-closed', 'topology', 'error']);

/**
 * For clients: a hub frame as a typed message, or null if it is not JSON or not a known type. The hub is
 * trusted for shapes; unknown types (a newer hub) are skipped, not fatal.
 */
export function parseHubMessage(raw: string): HubMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!isPlainObject(value) || typeof value.type !== 'string' || !HUB_MESSAGE_TYPES.has(value.type)) return null;
  return value as unknown as HubMessage;
}

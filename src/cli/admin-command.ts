/**
 * `roomwire admin rooms|room|kick|close-room|drain|stats`: the hub's admin API from a terminal, as tables
 * or JSON. Exit codes as `roomwire bot`'s: 0 done, 1 hub unreachable or an HTTP error, 2 bad usage, 3 the
 * hub refused the token (401).
 */
import { AdminClient, AdminHttpError, HubUnreachableError, isTokenText, type RoomView } from '../admin-page/admin-client.ts';
import { hubOptionSpecs } from '../hub/options.ts';
import { boolOption, durationOption, flagOf, formatHelp, parseOptions, stringOption, UsageError, type SpecTable } from '../option-spec.ts';
import { roomsTable, roomTable, statsTable } from './admin-tables.ts';

export const adminOptionSpecs = {
  url: stringOption('http://localhost:8080', 'url', "the hub's HTTP address; a signaling URL (ws://host:8080/ws) works too", { env: 'ROOMWIRE_URL' }),
  token: stringOption('', 'secret', "the hub's --admin-token (required)", { env: hubOptionSpecs.adminToken.env!, secret: true }),
  json: boolOption(false, "print the hub's JSON answer instead of a table"),
  timeout: durationOption(10_000, 'how long to wait for the hub before giving up (exit 1)'),
};

const USAGE = [
  'Usage: roomwire admin <action> [arguments] [--url http://host:8080] [--token TOKEN] [--json]',
  '',
  'Actions:',
  '  rooms                  every room: topology, members, links by path',
  '  room ROOM              one room: every member with its peer id, role, node, state and links',
  '  kick ROOM PEER         end a peer\'s session (PEER: its peer id, or its name if only one member has it)',
  '  close-room ROOM        take every member out of the room',
  '  drain                  the hub stops taking sockets, asks clients to move, then exits',
  '  stats                  connections, sessions, rooms, messages/s and links by path',
  '',
  'Exit codes: 0 done, 1 hub unreachable or an HTTP error (status and message printed), 2 bad usage,',
  '3 the hub refused the token (401).',
].join('\n');

const ARITY: Record<string, number> = { rooms: 0, room: 1, kick: 2, 'close-room': 1, drain: 0, stats: 0 };

export async function runAdminCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(`${USAGE}\n\nOptions:\n${formatHelp(adminOptionSpecs)}`);
    return 0;
  }
  const { positional, flags } = splitArguments(adminOptionSpecs, argv);
  const o = parseOptions(adminOptionSpecs, flags, process.env);
  const [action, ...args] = positional;
  if (action === undefined) throw new UsageError(`an action is needed: ${Object.keys(ARITY).join(', ')}`);
  const arity = ARITY[action];
  if (arity === undefined) throw new UsageError(`unknown action "${action}" (${Object.keys(ARITY).join(', ')})`);
  if (args.length !== arity) throw new UsageError(`${action} takes ${arity === 0 ? 'no arguments' : `${arity} argument${arity > 1 ? 's' : ''}`}, got ${args.length}`);
  if (o.token === '') throw new UsageError('--token (or ROOMWIRE_ADMIN_TOKEN) is required');
  if (!isTokenText(o.token)) throw new UsageError('--token may hold visible ASCII characters only (no spaces)');
  const client = new AdminClient({ apiUrl: apiUrlOf(o.url), token: o.token, timeoutMs: o.timeout });
  const print = (answer: unknown, text: string) => console.log(o.json ? JSON.stringify(answer, null, 2) : text);
  try {
    switch (action) {
      case 'rooms': {
        const answer = await client.rooms();
        print(answer, roomsTable(answer.rooms));
        break;
      }
      case 'room': {
        const answer = await client.room(args[0]!);
        print(answer, roomTable(answer));
        break;
      }
      case 'kick': {
        const [room, who] = args as [string, string];
        const peerId = peerIdOf(await client.room(room), who);
        const answer = await client.kick(room, peerId);
        print(answer, `kicked ${peerId} from ${room}`);
        break;
      }
      case 'close-room': {
        const answer = await client.closeRoom(args[0]!);
        print(answer, `closed ${answer.closed}: ${answer.removed} member${answer.removed === 1 ? '' : 's'} removed`);
        break;
      }
      case 'drain': {
        const answer = await client.drain();
        print(answer, `${answer.node} is draining: it takes no new sockets and exits when its clients have moved`);
        break;
      }
      case 'stats': {
        const answer = await client.stats();
        print(answer, statsTable(answer));
        break;
      }
    }
    return 0;
  } catch (err) {
    if (err instanceof AdminHttpError) {
      console.error(`roomwire admin ${action}: the hub answered ${err.message}${err.unauthorized ? ' (check --token / ROOMWIRE_ADMIN_TOKEN)' : ''}`);
      return err.unauthorized ? 3 : 1;
    }
    if (err instanceof HubUnreachableError || err instanceof KickTargetError) {
      console.error(`roomwire admin ${action}: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

/** http(s)://host[:port][/prefix] -> .../admin/api/; ws(s)://host/ws (ROOMWIRE_URL of the bots) maps to the same. */
export function apiUrlOf(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url must be a URL like http://localhost:8080, got "${url}"`);
  }
  const scheme = { 'http:': 'http:', 'https:': 'https:', 'ws:': 'http:', 'wss:': 'https:' }[parsed.protocol];
  if (scheme === undefined) throw new UsageError(`--url must be http(s):// (or ws(s)://), got "${url}"`);
  let path = parsed.pathname.replace(/\/+$/, '');
  if (parsed.protocol.startsWith('ws')) path = path.replace(/\/ws$/, '');
  return `${scheme}//${parsed.host}${path}/admin/api/`;
}

class KickTargetError extends Error {}

/** A member's peer id, or the peer id of the one member with that name. */
function peerIdOf(room: RoomView, who: string): string {
  if (room.members.some((m) => m.peerId === who)) return who;
  const named = room.members.filter((m) => m.name === who);
  if (named.length === 1) return named[0]!.peerId;
  if (named.length === 0) throw new KickTargetError(`nobody in ${room.room} has the peer id or name "${who}"`);
  throw new KickTargetError(`${named.length} members of ${room.room} are called "${who}": give a peer id (${named.map((m) => m.peerId).join(', ')})`);
}

/** Words that are not flags (nor a flag's value) are the action and its arguments. */
function splitArguments(specs: SpecTable, argv: string[]): { positional: string[]; flags: string[] } {
  const takesValue = new Set(Object.entries(specs).filter(([, s]) => s.kind !== 'bool').map(([key]) => flagOf(key)));
  const positional: string[] = [];
  const flags: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) positional.push(arg);
    else if (arg.includes('=') || !takesValue.has(arg) || i + 1 >= argv.length) flags.push(arg);
    else flags.push(arg, argv[++i]!);
  }
  return { positional, flags };
}

/**
 * Valid client messages of every type, aimed at what the hub really holds: rooms the fuzz connections
 * share with the well-behaved pair, peer ids they learned from `joined` and `peer-joined`, resume tokens of
 * other fuzz sessions (a stolen token takes the victim's session over, as a thief with it could) and of
 * their own earlier session. Sent as they are, they walk the whole protocol; mutated, they probe it.
 */
import type { ClientMessageType } from '../../src/protocol/index.ts';
import { weights, type Rng } from './rng.ts';
import { EDGE_NUMBERS, edgeString, randomJson, randomString } from './values.ts';

/** A bounded set of strings to pick from: the newest `capacity` added. */
export class Pool {
  private readonly items: string[] = [];
  private next = 0;

  constructor(private readonly capacity: number) {}

  add(item: string): void {
    if (this.items.length < this.capacity) this.items.push(item);
    else this.items[this.next++ % this.capacity] = item;
  }

  pick(rng: Rng): string | undefined {
    return this.items.length === 0 ? undefined : rng.pick(this.items);
  }
}

/** What all fuzz connections of a run know together. */
export interface FuzzWorld {
  /** Room names the connections meet in; the first is the pair's room. */
  rooms: readonly string[];
  peers: Pool;
  /** Resume tokens of fuzz sessions only: the pair's never leak here. */
  tokens: Pool;
  /** The hub's server-peer secret, so that role `server` and `watch-rooms` get past the door too. */
  serverPeerSecret: string;
  limits: FuzzLimits;
}

export interface FuzzLimits {
  maxFrameBytes: number;
  hardMaxFrameBytes: number;
  maxJsonDepth: number;
  maxRoomNameLength: number;
  maxPeerNameLength: number;
}

/** What one fuzz connection knows about its own session. */
export interface SessionView {
  peerId: string;
  rooms: Set<string>;
  /** The session this connection had before the hub closed it, and the frames it counted there: resumable. */
  previous: { token: string; received: number } | undefined;
}

export interface MoveContext {
  rng: Rng;
  world: FuzzWorld;
  self: SessionView;
}

export type Message = Record<string, unknown>;

const roomOf = ({ rng, world, self }: MoveContext): string => {
  if (self.rooms.size > 0 && rng.chance(0.6)) return rng.pick([...self.rooms]);
  // Now and then one of many more rooms: enough of them, and a connection reaches maxRoomsPerConnection.
  return rng.chance(0.85) ? rng.pick(world.rooms) : `fuzz-r${rng.int(40)}`;
};

const peerOf = ({ rng, world, self }: MoveContext): string =>
  rng.chance(0.05) ? self.peerId : (world.peers.pick(rng) ?? self.peerId);

/** Frame counts a resume may claim: valid whole numbers at the edges (anything else is a parse error, not a resume). */
const EDGE_COUNTS = EDGE_NUMBERS.filter((n) => Number.isSafeInteger(n) && n >= 0);

/** A 43-character base64url string: the shape of a real resume token. */
const fakeToken = (rng: Rng): string => rng.bytes(32).toString('base64url');

function resumeToken(ctx: MoveContext): { token: string; received: number } {
  const { rng, world, self } = ctx;
  const r = rng.int(5);
  if (r === 0 && self.previous !== undefined) return self.previous;
  const stolen = world.tokens.pick(rng);
  const received = rng.chance(0.5) ? rng.int(50) : rng.pick(EDGE_COUNTS);
  if (r === 1 && stolen !== undefined) return { token: stolen, received };
  if (r === 2 && stolen !== undefined) {
    const at = rng.int(stolen.length); // one character off: a token that looks right and is not
    return { token: stolen.slice(0, at) + (stolen[at] === 'A' ? 'B' : 'A') + stolen.slice(at + 1), received };
  }
  return { token: fakeToken(rng), received };
}

/** A signal's data: mostly shaped like SDP and ICE candidates, sometimes anything. */
function signalData(rng: Rng): unknown {
  switch (rng.int(3)) {
    case 0: return { sdp: { type: rng.pick(['offer', 'answer', 'pranswer', 'rollback']), sdp: `v=0\r\n${randomString(rng, 200)}` } };
    case 1: return { candidate: { candidate: `candidate:1 1 udp 1 127.0.0.1 ${rng.int(65536)} typ host`, sdpMid: '0', sdpMLineIndex: rng.pick([0, -1, null, 1e9]) } };
    default: return randomJson(rng, 4);
  }
}

/** Every path, and one that is none ('warp'). */
const LINK_PATH_WEIGHTS = weights({ connecting: 1, direct: 3, turn: 1, relay: 2, star: 1, warp: 1 });

export const moves: { [T in ClientMessageType]: (ctx: MoveContext) => Message } = {
  join: (ctx) => {
    const { rng, world } = ctx;
    const m: Message = { type: 'join', room: roomOf(ctx) };
    if (rng.chance(0.5)) m.name = rng.chance(0.7) ? `fuzz${rng.int(1000)}` : randomString(rng, world.limits.maxPeerNameLength);
    if (rng.chance(0.05)) {
      m.role = 'server';
      m.token = rng.chance(0.5) ? world.serverPeerSecret : fakeToken(rng);
    } else if (rng.chance(0.1)) {
      m.token = rng.chance(0.5) ? fakeToken(rng) : 'e30.e30.' + randomString(rng, 40); // no auth secret on this hub: ignored, or refused when set
    }
    return m;
  },
  leave: (ctx) => ({ type: 'leave', room: roomOf(ctx) }),
  signal: (ctx) => ({ type: 'signal', to: peerOf(ctx), data: signalData(ctx.rng) }),
  relay: (ctx) => {
    const { rng } = ctx;
    const data = rng.chance(0.8) ? { text: randomString(rng, 60), n: rng.int(1e6) } : randomJson(rng, 5);
    const r = rng.int(3);
    if (r === 0) return { type: 'relay', room: roomOf(ctx), data };
    if (r === 1) return { type: 'relay', to: peerOf(ctx), data };
    return { type: 'relay', to: peerOf(ctx), room: roomOf(ctx), data };
  },
  resume: (ctx) => ({ type: 'resume', ...resumeToken(ctx) }),
  'refresh-ice': () => ({ type: 'refresh-ice' }),
  'watch-rooms': ({ rng, world }) => ({ type: 'watch-rooms', token: rng.chance(0.3) ? world.serverPeerSecret : fakeToken(rng) }),
  'link-path': (ctx) => ({ type: 'link-path', peerId: peerOf(ctx), path: ctx.rng.choose(LINK_PATH_WEIGHTS) }),
};

const MOVE_WEIGHTS = weights<ClientMessageType>({
  join: 20, leave: 10, signal: 20, relay: 35, resume: 5, 'refresh-ice': 5, 'watch-rooms': 2, 'link-path': 5,
});

/** A valid message of any type, with a request id half of the time. */
export function validMessage(ctx: MoveContext): Message {
  const m = moves[ctx.rng.choose(MOVE_WEIGHTS)](ctx);
  if (ctx.rng.chance(0.5)) m.id = ctx.rng.chance(0.5) ? ctx.rng.int(1e9) : edgeString(ctx.rng).slice(0, 64);
  return m;
}

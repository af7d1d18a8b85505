/** Node room clients (ws + werift) against a test hub, and ways to wait on what they see. */
import { createNodeClient, type NodeClientConfig } from '../../src/client/node.ts';
import type { Room, RoomMessage } from '../../src/client/room.ts';
import type { RoomClient } from '../../src/client/room-client.ts';
import type { LinkPath } from '../../src/client/peer-link.ts';

export async function connectClient(url: string, config: Partial<NodeClientConfig> = {}): Promise<RoomClient> {
  const client = createNodeClient({ url, p2pTimeoutMs: 8_000, ...config });
  await client.connect();
  return client;
}

/**
 * Two room clients, one with a peer id below `than` and one above (a peer's role in a link, polite or
 * impolite, follows the order of the ids). Ids are random: connect until both exist, closing the others.
 * With n tries this fails with probability 2/(n+1) over `than` (32-40 tries failed about one run in 20, and
 * a CI run did), so the hub must allow `tries` connections from one address (raise its per-address limits).
 */
export async function clientsAround(url: string, than: string, tries = 4_000): Promise<[RoomClient, RoomClient]> {
  let below: RoomClient | undefined;
  let above: RoomClient | undefined;
  for (let i = 0; i < tries && (below === undefined || above === undefined); i++) {
    const c = await connectClient(url);
    if (c.peerId < than && below === undefined) below = c;
    else if (c.peerId > than && above === undefined) above = c;
    else c.close();
  }
  if (below === undefined || above === undefined) throw new Error('no peer ids on both sides');
  return [below, above];
}

/** What a test hub sets for clientsAround: per-address limits that let one address connect thousands of times. */
export const MANY_FROM_ONE_ADDRESS = {
  connectionsPerSecondPerAddress: 10_000, connectionBurstPerAddress: 10_000, maxSessionsPerAddress: 10_000, maxConnectionsPerAddress: 10_000,
};

/** Resolves when every link of `room` reports one of `paths` and the room has `members` other members. */
export async function untilPaths(room: Room, members: number, paths: LinkPath[], timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const peers = room.peers();
    if (peers.length === members && peers.every((p) => paths.includes(p.path))) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for paths ${paths}: ${JSON.stringify(peers.map((p) => p.path))} of ${members}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Collects every message a room receives. */
export function collect(room: Room): RoomMessage[] {
  const got: RoomMessage[] = [];
  room.on('message', (m) => got.push(m));
  return got;
}

/** Resolves when `predicate` holds (it may ask a server: a promise), polling. */
export async function until(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

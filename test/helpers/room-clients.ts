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

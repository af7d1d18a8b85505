/**
 * The server peer in more rooms than maxRoomsPerConnection (16 by default; it once stopped there, with
 * too-many-rooms only logged): in each of 42 rooms it keeps history for late joiners and answers commands.
 *
 * Members relay through the hub (p2p off): 84 werift DataChannels in this one process on a shared
 * 2-core machine would measure the machine, not the server peer; the swarm tests drive werift through it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room, RoomMessage } from '../../src/client/room.ts';
import type { RoomClient } from '../../src/client/room-client.ts';
import { ServerPeer } from '../../src/server-peer/server-peer.ts';
import { startHub, type TestHub } from '../helpers/hub.ts';
import { collect, connectClient, until } from '../helpers/room-clients.ts';

const SECRET = 'server-peer-many-rooms-secret-xxx';
const ROOMS = 42;
/** Rooms per member connection: under the peers' own maxRoomsPerConnection (16). */
const PER_CLIENT = 14;
const names = Array.from({ length: ROOMS }, (_, i) => `many-${i}`);

let t: TestHub;
let server: ServerPeer;
const clients: RoomClient[] = [];
beforeAll(async () => {
  t = await startHub({ serverPeerSecret: SECRET });
  server = new ServerPeer({ url: t.url, secret: SECRET, rooms: [], historySize: 5, name: 'server' });
  await server.start();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server.close();
  await t.hub.close();
});

interface Member {
  room: Room;
  inbox: RoomMessage[];
  peerId: string;
  name: string;
}

/** One member in every room (`names[i]` is `members[i].room`), spread over connections of PER_CLIENT rooms. */
async function members(tag: string): Promise<Member[]> {
  const joined: Member[] = [];
  for (let first = 0; first < ROOMS; first += PER_CLIENT) {
    const client = await connectClient(t.url, { p2p: false });
    clients.push(client);
    const name = `${tag}${first / PER_CLIENT}`;
    for (const roomName of names.slice(first, first + PER_CLIENT)) {
      const room = await client.join(roomName, { name });
      joined.push({ room, inbox: collect(room), peerId: client.peerId, name });
    }
  }
  return joined;
}

const texts = (inbox: RoomMessage[]) => inbox.map((m) => m.data).filter((d): d is string => typeof d === 'string');
const hasServer = (room: Room) => [...room.members.values()].some((p) => p.role === 'server');

describe('the server peer in 42 rooms', () => {
  it('joins every room, keeps history in each and answers /who in each', async () => {
    expect(t.hub.options.maxRoomsPerConnection).toBeLessThan(ROOMS);
    const early = await members('e');
    await until(() => server.roomNames().length === ROOMS, `the server peer in all ${ROOMS} rooms`, 30_000);
    await until(() => early.every(({ room }) => hasServer(room)), 'every member sees the server peer', 30_000);

    for (const { room } of early) {
      room.send(`hello ${room.name}`);
      room.send('/who'); // after the hello on the same link: once answered, the hello is in the history
    }
    await until(() => early.every(({ room, inbox }) => texts(inbox).some((d) => d.startsWith(`in ${room.name}: e`))),
      '/who answered in every room', 30_000);

    const late = await members('l');
    await until(() => late.every(({ inbox }) => inbox.some((m) => m.history !== undefined)), 'history in every room', 30_000);
    for (const [i, { room, inbox }] of late.entries()) {
      const history = inbox.filter((m) => m.history !== undefined);
      expect(history.map((m) => m.data)).toEqual([`hello ${room.name}`]);
      expect(history[0]!.history!.from).toBe(early[i]!.peerId);
      room.send('/who');
    }
    await until(() => late.every(({ room, inbox }, i) => texts(inbox).includes(`in ${room.name}: ${early[i]!.name}, ${late[i]!.name}`)),
      '/who answered to the late members in every room, naming both', 30_000);
    expect(server.roomNames().sort()).toEqual([...names].sort());
  }, 120_000);
});

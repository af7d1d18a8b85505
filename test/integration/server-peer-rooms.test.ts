/**
 * Which rooms the server peer is in, against a real hub: exactly the open ones, when rooms close while its
 * join is on its way (and open again while its leave is), and after the hub restarts on the same port.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '../../src/bus/memory-bus.ts';
import type { Room } from '../../src/client/room.ts';
import { resolveHubOptions, type HubOptions } from '../../src/hub/options.ts';
import { ServerPeer } from '../../src/server-peer/server-peer.ts';
import { startHub, type TestHub } from '../helpers/hub.ts';
import { collect, connectClient, until } from '../helpers/room-clients.ts';
import { TestClient } from '../helpers/test-client.ts';

const SECRET = 'server-peer-rooms-secret-xxxxxxxx';
/** Reconnect soon after the hub comes back (defaults back off to 10 s). */
const QUICK = { reconnectMinMs: 50, reconnectMaxMs: 300 };

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function hub(options: Partial<HubOptions> = {}): Promise<{ t: TestHub; bus: MemoryBus }> {
  const all = { serverPeerSecret: SECRET, ...options };
  const bus = new MemoryBus(resolveHubOptions(all));
  const t = await startHub(all, { bus });
  cleanup.push(() => t.hub.close()); // idempotent: a test may have closed it already
  return { t, bus };
}

async function serverPeer(url: string, log: string[] = []): Promise<ServerPeer> {
  const server = new ServerPeer({ url, secret: SECRET, rooms: [], historySize: 5, name: 'server', client: QUICK, log: (line) => log.push(line) });
  await server.start();
  cleanup.push(() => server.close());
  return server;
}

/** What the hub says: rooms with a peer in them, and rooms the server peer is in. */
function hubView(bus: MemoryBus): { open: string[]; served: string[] } {
  const rooms = bus.roomNames();
  const withRole = (role: string) => rooms.filter((r) => bus.members(r).some((p) => p.role === role)).sort();
  return { open: withRole('peer'), served: withRole('server') };
}

describe('the rooms the server peer is in', () => {
  it('room-closed while its join is on its way, room-opened while its leave is: ends in exactly the open rooms', async () => {
    const { t, bus } = await hub();
    const server = await serverPeer(t.url);
    const peer = await TestClient.connect(t.url);
    cleanup.push(async () => { await peer.close(); });
    // A peer that joins and leaves at once, over and over: each room opens and closes within one round
    // trip, so the server peer's join lands after the room closed, or its leave after it opened again.
    // Even rooms end closed, odd rooms end open.
    const ROOMS = 12;
    const CYCLES = 5;
    for (let c = 0; c < CYCLES; c++) {
      for (let r = 0; r < ROOMS; r++) {
        peer.send({ type: 'join', room: `flicker-${r}` });
        if (c < CYCLES - 1 || r % 2 === 0) peer.send({ type: 'leave', room: `flicker-${r}` });
      }
    }
    const expected = Array.from({ length: ROOMS / 2 }, (_, k) => `flicker-${2 * k + 1}`).sort();
    await until(() => hubView(bus).open.length === ROOMS / 2, 'the peer is in the odd rooms');
    await until(() => {
      const view = hubView(bus);
      return view.served.join() === expected.join() && [...server.roomNames()].sort().join() === expected.join();
    }, 'the server peer is in exactly the open rooms', 15_000);
    await server.settled();
    // Nothing is left on its way that could change it, and the hub holds no room of the server peer alone.
    expect(hubView(bus)).toEqual({ open: expected, served: expected });
    expect(bus.roomNames().sort()).toEqual(expected);
    expect(server.roomNames().sort()).toEqual(expected);
  }, 40_000);

  it('after the hub restarts on the same port, serves every room its peers reopen, and no room nobody came back to', async () => {
    const first = await hub();
    const port = first.t.port;
    const log: string[] = [];
    const server = await serverPeer(first.t.url, log);
    const ROOMS = 5;
    const rooms: Room[] = [];
    for (let r = 0; r < ROOMS; r++) {
      const member = await connectClient(first.t.url, { p2p: false, ...QUICK });
      cleanup.push(() => member.close());
      rooms.push(await member.join(`back-${r}`, { name: `p${r}` }));
    }
    const leaver = await connectClient(first.t.url, { p2p: false, ...QUICK });
    cleanup.push(() => leaver.close());
    await leaver.join('gone', { name: 'leaver' });
    await until(() => server.roomNames().length === ROOMS + 1, 'the server peer serves every room');

    await first.t.hub.close();
    const before = log.length;
    await leaver.close(); // its room has nobody to come back to
    const second = await hub({ port });
    // Members come back as new sessions and rejoin; so does the server peer, which then watches again.
    const expected = Array.from({ length: ROOMS }, (_, r) => `back-${r}`);
    await until(() => {
      const view = hubView(second.bus);
      return view.open.join() === expected.join() && view.served.join() === expected.join() &&
        server.roomNames().sort().join() === expected.join();
    }, 'the server peer serves exactly the reopened rooms', 20_000);
    await server.settled();
    expect(second.bus.roomNames().sort()).toEqual(expected);
    // `gone` was rejoined with the other old rooms (the client does that), then left once the watch said it is not open.
    expect(log.slice(before)).toContain('released gone');
    expect(server.client.signalingState).toBe('open');

    // And it serves them: commands are answered in every room.
    for (const [r, room] of rooms.entries()) {
      const inbox = collect(room);
      room.send('/who');
      await until(() => inbox.some((m) => m.data === `in back-${r}: p${r}`), `/who answered in back-${r}`);
    }
  }, 60_000);
});

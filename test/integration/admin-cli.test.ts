/**
 * `roomwire admin` as an operator runs it: bin/roomwire.js in a subprocess against `roomwire hub` in
 * another, with room clients in two rooms. Tables, --json, kick (by name and by peer id), close-room,
 * stats, drain (the hub process exits), and the exit codes: 1 unreachable or HTTP error, 2 usage, 3 401.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoomClient } from '../../src/client/room-client.ts';
import type { Room } from '../../src/client/room.ts';
import { HubProcess, runCli } from '../helpers/hub-process.ts';
import { connectClient, untilPaths } from '../helpers/room-clients.ts';

const TOKEN = 'admin-cli-token-admin-cli-token-0123456789';

let hub: HubProcess;
let base: string;
const clients: RoomClient[] = [];
/** ann, bob, cara in lobby; two called dan in side (index as in `clients`). */
const rooms: Room[] = [];

/** `roomwire admin ...args`, with the token in the environment unless `env` says otherwise. */
const admin = (args: string[], env: NodeJS.ProcessEnv = { ROOMWIRE_ADMIN_TOKEN: TOKEN }) =>
  runCli(['admin', ...args], { ROOMWIRE_URL: '', ROOMWIRE_ADMIN_TOKEN: '', ...env });

beforeAll(async () => {
  hub = await HubProcess.start(['--no-server-peer', '--admin-token', TOKEN, '--node-id', 'cli-hub', '--drain-timeout-ms', '3000']);
  base = `http://127.0.0.1:${hub.port}`;
  for (const [room, name] of [['lobby', 'ann'], ['lobby', 'bob'], ['lobby', 'cara'], ['side', 'dan'], ['side', 'dan']] as const) {
    const client = await connectClient(hub.url, { p2p: false });
    clients.push(client);
    rooms.push(await client.join(room, { name }));
  }
  await untilPaths(rooms[0]!, 2, ['relay']);
  await untilPaths(rooms[4]!, 1, ['relay']);
  // the hub has every side's report once each client has sent it
  const deadline = Date.now() + 10_000;
  for (;;) {
    const stats = await (await fetch(`${base}/admin/api/stats`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();
    if (stats.links.relay === 4) break;
    if (Date.now() > deadline) throw new Error(`links: ${JSON.stringify(stats.links)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}, 60_000);
afterAll(async () => {
  for (const c of clients) c.close();
  await hub?.stop();
});

describe('roomwire admin', () => {
  it('prints rooms, one room and stats as tables, and the API answer with --json', async () => {
    const [rooms, room, stats, json] = await Promise.all([
      admin(['rooms', '--url', base]),
      admin(['room', 'lobby', '--url', base]),
      admin(['stats', '--url', base]),
      admin(['--json', 'rooms', `--url=${base}`]),
    ]);
    expect(rooms.code).toBe(0);
    const lines = rooms.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ROOM\s+TOPOLOGY\s+MEMBERS\s+GRACE\s+CONNECTING\s+DIRECT\s+TURN\s+RELAY\s+STAR$/);
    expect(lines[1]!.split(/\s+/)).toEqual(['lobby', 'mesh', '3', '0', '0', '0', '0', '3', '0']);
    expect(lines[2]!.split(/\s+/)).toEqual(['side', 'mesh', '2', '0', '0', '0', '0', '1', '0']);

    expect(room.code).toBe(0);
    expect(room.stdout).toContain('room lobby (mesh), 3 members');
    const annRow = room.stdout.split('\n').find((l) => l.startsWith('ann '))!;
    expect(annRow.split(/\s+/).slice(0, 5)).toEqual(['ann', clients[0]!.peerId, 'peer', 'cli-hub', 'connected']);
    expect(annRow).toContain('bob:relay');
    expect(annRow).toContain('cara:relay');
    expect(room.stdout).toContain('links: connecting 0, direct 0, turn 0, relay 3, star 0');

    expect(stats.code).toBe(0);
    expect(stats.stdout).toMatch(/^node\s+cli-hub$/m);
    expect(stats.stdout).toMatch(/^connections\s+5$/m);
    expect(stats.stdout).toMatch(/^links relay\s+4$/m);

    expect(json.code).toBe(0);
    const answer = JSON.parse(json.stdout);
    expect(answer.node).toBe('cli-hub');
    expect(answer.rooms.map((r: { room: string }) => r.room)).toEqual(['lobby', 'side']);
    expect(answer.rooms[0].members.map((m: { name: string }) => m.name).sort()).toEqual(['ann', 'bob', 'cara']);
  }, 30_000);

  it('takes the signaling URL of the bots (ROOMWIRE_URL=ws://host/ws) and the token from ROOMWIRE_ADMIN_TOKEN', async () => {
    const { code, stdout } = await admin(['rooms'], { ROOMWIRE_URL: hub.url, ROOMWIRE_ADMIN_TOKEN: TOKEN });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^lobby\s/m);
  });

  it('exits 3 on a refused token, 1 on an HTTP error or an unreachable hub, 2 on bad usage', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    // [arguments, environment (default: the right token), exit code, what stderr says]
    const cases: [string[], NodeJS.ProcessEnv | undefined, number, string][] = [
      [['rooms', '--url', base, '--token', 'x'.repeat(40)], {}, 3, '401 unauthorized'],
      [['room', 'nowhere', '--url', base], undefined, 1, '404 not-found: no room nowhere'],
      [['kick', 'lobby', 'nobody', '--url', base], undefined, 1, 'nobody in lobby has the peer id or name "nobody"'],
      [['rooms', '--url', `http://127.0.0.1:${closedPort}`], undefined, 1, `cannot reach http://127.0.0.1:${closedPort}: connect ECONNREFUSED`],
      [['rooms', '--url', base], {}, 2, '--token (or ROOMWIRE_ADMIN_TOKEN) is required'],
      [['teleport', '--url', base], undefined, 2, 'unknown action "teleport"'],
      [['kick', 'lobby', '--url', base], undefined, 2, 'kick takes 2 arguments, got 1'],
      [['rooms', '--url', 'ftp://example'], undefined, 2, '--url must be http(s)://'],
      [['rooms', '--url', base, '--token', 'pasted with spaces'], undefined, 2, 'visible ASCII characters only'],
    ];
    const results = await Promise.all(cases.map(([args, env]) => admin(args, env)));
    results.forEach((result, i) => {
      const [args, , code, text] = cases[i]!;
      expect({ args, code: result.code, says: result.stderr.includes(text) }, result.stderr).toEqual({ args, code, says: true });
    });
  }, 60_000); // nine CLI processes at once, each starting tsx

  it('kicks by name (the client ends with 4003), refuses an ambiguous name, and kicks by peer id', async () => {
    const bob = clients[1]!;
    const ended = new Promise<{ code: number }>((resolve) => bob.on('ended', resolve));
    const kicked = await admin(['kick', 'lobby', 'bob', '--url', base]);
    expect(kicked.code).toBe(0);
    expect(kicked.stdout.trim()).toBe(`kicked ${bob.peerId} from lobby`);
    expect((await ended).code).toBe(4003);

    const twins = await admin(['kick', 'side', 'dan', '--url', base]);
    expect(twins.code).toBe(1);
    expect(twins.stderr).toContain('2 members of side are called "dan"');
    const dan = clients[4]!;
    const danEnded = new Promise<{ code: number }>((resolve) => dan.on('ended', resolve));
    const byId = await admin(['kick', 'side', dan.peerId, '--url', base, '--json']);
    expect(byId.code).toBe(0);
    expect(JSON.parse(byId.stdout)).toEqual({ kicked: dan.peerId, room: 'side' });
    expect((await danEnded).code).toBe(4003);
  }, 30_000);

  it('closes a room: its members are taken out and stay connected', async () => {
    const closed = new Promise((resolve) => rooms[0]!.on('closed', resolve));
    const result = await admin(['close-room', 'lobby', '--url', base]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe('closed lobby: 2 members removed');
    expect(await closed).toEqual({ reason: 'room-closed' });
    expect(clients[0]!.signalingState).toBe('open');
    const after = await admin(['rooms', '--url', base, '--json']);
    expect(JSON.parse(after.stdout).rooms.map((r: { room: string }) => r.room)).toEqual(['side']);
  }, 30_000);

  it('drains the hub: it answers 202, and the hub process exits 0 once its clients have gone', async () => {
    const result = await admin(['drain', '--url', base]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('cli-hub is draining');
    // Its clients are asked to move (1001), their reconnects get 503, and it exits by itself (no signal).
    expect(await hub.exited()).toBe(0);
    expect(hub.log).toContain('draining: asking clients to move');
    expect(hub.log).toContain('"drained"');
  }, 30_000);
});

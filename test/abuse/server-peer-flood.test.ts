/**
 * A hostile room mate sends 1 GiB of messages that are oversized or never end, and chunks far ahead, to
 * the server peer running as its own process (`roomwire server-peer`). Its memory stays bounded and it
 * keeps serving the room: an honest member's /who is answered during the flood, and her broadcast reaches
 * a late joiner as history.
 *
 * The flood goes through the hub relay (its limits lifted for this test): here that moves ~10x what a
 * werift DataChannel does. The hostile peer paces itself by PINGs the victim's link echoes, so the hub's
 * buffer toward the server peer stays small: the memory measured is the server peer's own.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLAG, encodeData } from '../../src/client/link-wire.ts';
import type { Room, RoomMessage } from '../../src/client/room.ts';
import type { RoomClient } from '../../src/client/room-client.ts';
import { HostilePeer, joinBytes, messageHeader } from '../helpers/hostile-peer.ts';
import { startHub, type TestHub } from '../helpers/hub.ts';
import { collect, connectClient, until } from '../helpers/room-clients.ts';

const BIN = fileURLToPath(new URL('../../bin/roomwire.js', import.meta.url));
const SECRET = 'flood-test-server-peer-secret-xxx';
const ROOM = 'flooded';
const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** What the hostile peer sends: DATA payload bytes. */
const FLOOD_BYTES = 1 * GiB;
/** Per relay frame: in-order chunks of messages that are oversized or never end (8 x 64 KiB)... */
const CHUNK_BYTES = 64 * KiB;
const IN_ORDER_PER_FRAME = 8;
/** ...and one large chunk far ahead of them (before the bounds, 4,096 such chunks of any size were kept). */
const FAR_AHEAD_BYTES = 512 * KiB;
/** A new message starts every this many frames: 10 MiB each, past the 8 MiB maxMessageBytes default. */
const FRAMES_PER_MESSAGE = 20;
/** Frames sent and not yet echoed by the server peer's link. */
const WINDOW_FRAMES = 12;
/**
 * The bound: the server peer's receive buffers are at most maxReceiveBufferBytes (64 MiB) by design, and
 * here one link holds at most one message (8 MiB) and 4 MiB of early chunks; the rest is Node, werift,
 * tsx (~110 MiB idle), and frames being decoded. Measured here: ~200 MiB at most. Before the bounds, one
 * link's early buffer took 4,096 chunks of any size, oversized messages were delivered and kept as
 * history: this flood took the server peer to 830 MiB.
 */
const RSS_BOUND_BYTES = 400 * MiB;
/** The server peer's history per room, in bytes: a broadcast larger than this is not kept. */
const HISTORY_MAX_BYTES = 64 * KiB;

let t: TestHub;
let serverPeer: ChildProcessWithoutNullStreams;
let serverLog = '';
const clients: RoomClient[] = [];
let mallory: HostilePeer | undefined;

beforeAll(async () => {
  t = await startHub({
    serverPeerSecret: SECRET,
    messagesPerSecond: 1_000_000, messageBurst: 1_000_000,
    bytesPerSecond: 64 * GiB, byteBurst: 64 * GiB,
    serverPeerMessagesPerSecond: 1_000_000, serverPeerMessageBurst: 1_000_000,
    serverPeerBytesPerSecond: 64 * GiB, serverPeerByteBurst: 64 * GiB,
    maxFrameBytes: 2 * MiB, hardMaxFrameBytes: 4 * MiB, maxBufferedBytes: 64 * MiB,
  });
  serverPeer = spawn(process.execPath, [BIN, 'server-peer', '--url', t.url, '--rooms', ROOM, '--history-max-bytes', String(HISTORY_MAX_BYTES)], {
    env: { ...process.env, ROOMWIRE_SERVER_PEER_SECRET: SECRET },
  });
  serverPeer.stdout.on('data', (d: Buffer) => (serverLog += d.toString()));
  serverPeer.stderr.on('data', (d: Buffer) => (serverLog += d.toString()));
  await until(() => serverLog.includes(`serving ${ROOM}`), 'the server peer serves the room', 20_000);
}, 30_000);

afterAll(async () => {
  await mallory?.close();
  await Promise.all(clients.map((c) => c.close()));
  if (serverPeer.exitCode === null) {
    const exited = once(serverPeer, 'exit');
    serverPeer.kill('SIGTERM');
    await exited;
  }
  await t.hub.close();
});

/** CPU time (user + system) of a process, from /proc/PID/stat (in clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function rssBytes(pid: number): number {
  const line = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(line?.[1] ?? 0) * 1024;
}

async function member(name: string): Promise<{ client: RoomClient; room: Room; inbox: RoomMessage[] }> {
  const client = await connectClient(t.url, { p2p: false });
  clients.push(client);
  const room = await client.join(ROOM, { name });
  return { client, room, inbox: collect(room) };
}

const isWho = (m: RoomMessage) => typeof m.data === 'string' && m.data.startsWith(`in ${ROOM}:`);

describe('the server peer under a flood of hostile messages', () => {
  it('stays within its memory bound and keeps serving the room', async () => {
    const alice = await member('alice');
    await until(() => [...alice.room.members.values()].some((p) => p.role === 'server'), 'alice sees the server peer');
    const serverId = [...alice.room.members.values()].find((p) => p.role === 'server')!.peerId;
    mallory = await HostilePeer.join(t.url, ROOM);
    mallory.noP2P(serverId);

    const pid = serverPeer.pid!;
    const rssBefore = rssBytes(pid);
    let rssMost = rssBefore;
    const sampler = setInterval(() => (rssMost = Math.max(rssMost, rssBytes(pid))), 50);

    const chunk = new Uint8Array(CHUNK_BYTES).map((_, i) => (i * 7) & 0xff);
    const farChunk = new Uint8Array(FAR_AHEAD_BYTES).fill(0xee);
    const cpuBefore = cpuSeconds(pid);
    const started = performance.now();
    let sent = 0;
    let frame = 0;
    let whoAskedAt = 0;
    for (; sent < FLOOD_BYTES; frame++) {
      while (frame - mallory.highestPong(serverId) >= WINDOW_FRAMES) {
        if (serverPeer.exitCode !== null) throw new Error(`the server peer exited: ${serverLog.slice(-2000)}`);
        await Promise.race([once(mallory.client.ws, 'message'), new Promise((r) => setTimeout(r, 100))]);
      }
      const records: Uint8Array[] = [];
      const place = frame % FRAMES_PER_MESSAGE;
      // every 4th message ends (past the bound), the others never do
      const ends = place === FRAMES_PER_MESSAGE - 1 && Math.floor(frame / FRAMES_PER_MESSAGE) % 4 === 3;
      for (let i = 0; i < IN_ORDER_PER_FRAME; i++) {
        const first = place === 0 && i === 0;
        const flags = (first ? FLAG.first | FLAG.binary : 0) | (ends && i === IN_ORDER_PER_FRAME - 1 ? FLAG.last : 0);
        records.push(encodeData(mallory.seqs(serverId, 1), flags, first ? joinBytes(messageHeader(ROOM), chunk) : chunk));
      }
      records.push(encodeData(2 ** 31 + frame, 0, farChunk));
      records.push(HostilePeer.ping(frame + 1));
      mallory.sendRecords(serverId, records);
      sent += IN_ORDER_PER_FRAME * CHUNK_BYTES + FAR_AHEAD_BYTES;
      if (whoAskedAt === 0 && sent >= FLOOD_BYTES / 2) {
        // halfway: alice asks, and says something worth keeping
        whoAskedAt = performance.now();
        alice.room.send('/who');
        alice.room.send('kept for later');
        alice.room.send('too long to keep '.repeat(HISTORY_MAX_BYTES / 16));
      }
    }
    while (mallory.highestPong(serverId) < frame) await Promise.race([once(mallory.client.ws, 'message'), new Promise((r) => setTimeout(r, 100))]);
    const floodMs = performance.now() - started;
    clearInterval(sampler);
    rssMost = Math.max(rssMost, rssBytes(pid));
    const who = alice.inbox.find(isWho);
    console.log(`flood: ${(sent / GiB).toFixed(2)} GiB in ${frame} frames, ${(floodMs / 1000).toFixed(1)} s ` +
      `(${(sent / MiB / (floodMs / 1000)).toFixed(0)} MiB/s); server peer RSS ${(rssBefore / MiB).toFixed(0)} MiB before, ` +
      `${(rssMost / MiB).toFixed(0)} MiB at most (bound ${RSS_BOUND_BYTES / MiB} MiB), ${(cpuSeconds(pid) - cpuBefore).toFixed(1)} s of CPU; ` +
      `/who answered during the flood: ${who !== undefined}`);

    expect(sent).toBeGreaterThanOrEqual(FLOOD_BYTES);
    expect(serverPeer.exitCode).toBeNull();
    expect(rssMost).toBeLessThan(RSS_BOUND_BYTES);
    // the server peer answered while the flood went on, and reported the resets (log lines 1, 10, 100 ...)
    expect(who).toBeDefined();
    expect(serverLog).toContain(`link reset #1: ${mallory.peerId} message-too-large`);
    expect(serverLog).toContain(`link reset #10: ${mallory.peerId} message-too-large`);

    // after it: /who again, and a late joiner gets alice's short broadcast as history (not the long one,
    // over --history-max-bytes), and nothing of mallory's
    alice.room.send('/who');
    await until(() => alice.inbox.filter(isWho).length === 2, '/who after the flood');
    const late = await member('late');
    await until(() => late.inbox.some((m) => m.data === 'kept for later'), 'history for the late joiner');
    late.room.send('/help'); // answered over the same link, after any history still on its way
    await until(() => late.inbox.some((m) => typeof m.data === 'string' && m.data.includes('/who')), '/help answered');
    const history = late.inbox.filter((m) => m.history !== undefined);
    expect(history.map((m) => [m.data, m.history!.from])).toEqual([['kept for later', alice.client.peerId]]);
  }, 120_000);
});

/**
 * One worker thread of the swarm: the bots of its rooms (whole rooms, so it can count what each room's
 * members should receive). Reports `ready` when its links have opened (or timed out), sends on `go`,
 * reports `progress` while sending and `done` with its counts.
 *
 * Only bots count: a hub with a server peer puts one more member in every room, which receives the bots'
 * messages too but reports nothing, so expected counts come from the bots of each room, never from
 * room.members, and links are counted between bots only.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createNodeClient } from '../client/node.ts';
import type { Room } from '../client/room.ts';
import type { RoomClient } from '../client/room-client.ts';
import type { SwarmOptions } from './swarm-options.ts';
import { SenderTrack, emptyWorkerReport, readStamp, stampMessage, wallClock, type WorkerReport } from './swarm-stats.ts';

interface SwarmBot {
  index: number;
  client: RoomClient;
  room: Room;
  joinedAt: number;
  sent: number;
  /** The other bots of its room (the receivers of its messages). */
  mates: SwarmBot[];
  /** sender index -> what this bot received from it */
  tracks: Map<number, SenderTrack>;
}

const { options, rooms, senderBase } = workerData as { options: SwarmOptions; rooms: string[]; senderBase: number };
const port = parentPort!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A DataChannel (direct or through TURN), or the hub relay when --no-p2p asked for nothing else. */
const isOpenPath = (path: string | undefined) => path === 'direct' || path === 'turn' || (!options.p2p && path === 'relay');

const report: WorkerReport = emptyWorkerReport();
const bots: SwarmBot[] = [];

async function startRoom(roomName: string, firstIndex: number): Promise<SwarmBot[]> {
  const group = await Promise.all(Array.from({ length: options.peers }, async (_, k) => {
    const index = firstIndex + k;
    const client = createNodeClient({ url: options.url, p2p: options.p2p, iceTransportPolicy: options.icePolicy, p2pTimeoutMs: options.openTimeout });
    await client.connect();
    const joinedAt = wallClock();
    const room = await client.join(roomName, { name: `b${index}` });
    const bot: SwarmBot = { index, client, room, joinedAt, sent: 0, mates: [], tracks: new Map() };
    room.on('message', (m) => {
      // A server peer replays room history to late joiners: a copy, not a delivery.
      if (typeof m.data === 'string' || m.history !== undefined) return;
      const stamp = readStamp(m.data);
      if (stamp === undefined) return;
      let track = bot.tracks.get(stamp.sender);
      if (track === undefined) bot.tracks.set(stamp.sender, (track = new SenderTrack()));
      if (!track.receive(stamp.seq)) return;
      report.delivered++;
      report.deliveryLatencies.push(wallClock() - stamp.sentAt);
      report.messagePaths[m.path] = (report.messagePaths[m.path] ?? 0) + 1;
    });
    client.on('error', (e) => report.failures.push(`b${index}: hub error ${e.code}: ${e.message}`));
    return bot;
  }));
  for (const bot of group) bot.mates = group.filter((other) => other !== bot);
  await awaitLinks(roomName, group);
  return group;
}

/**
 * Whether `from` can send to `to` on the path the link is meant to take: its own DataChannel to `to`, or,
 * when the room is a star, its link to the server peer that forwards (path star).
 */
function canSend(from: SwarmBot, to: SwarmBot): boolean {
  const path = from.client.link(to.client.peerId)?.path;
  if (path !== 'star') return isOpenPath(path);
  return [...from.room.members.values()].some((p) => p.role === 'server' && isOpenPath(from.client.link(p.peerId)?.path));
}

/** Waits until both ends of every link of the room are open (above), or openTimeout. */
async function awaitLinks(roomName: string, group: SwarmBot[]): Promise<void> {
  const pending: [SwarmBot, SwarmBot][] = [];
  for (let i = 0; i < group.length; i++) for (let j = i + 1; j < group.length; j++) pending.push([group[i]!, group[j]!]);
  report.links += pending.length;
  const deadline = wallClock() + options.openTimeout;
  while (pending.length > 0 && wallClock() < deadline) {
    for (let k = pending.length - 1; k >= 0; k--) {
      const [a, b] = pending[k]!;
      if (canSend(a, b) && canSend(b, a)) {
        report.linksOpen++;
        report.openLatencies.push(wallClock() - Math.max(a.joinedAt, b.joinedAt));
        pending.splice(k, 1);
      }
    }
    await sleep(5);
  }
  for (const [a, b] of pending) {
    const paths = `${a.client.link(b.client.peerId)?.path ?? 'none'}/${b.client.link(a.client.peerId)?.path ?? 'none'}`;
    if (options.p2p) report.failures.push(`${roomName}: link b${a.index}-b${b.index} had no DataChannel after ${options.openTimeout} ms (paths ${paths})`);
  }
}

/** Paths of the links between bots, counted from both ends (links to a server peer are not the swarm's). */
function countLinkPaths(): void {
  for (const bot of bots) {
    for (const mate of bot.mates) {
      const path = bot.client.link(mate.client.peerId)?.path ?? 'none';
      report.linkPaths[path] = (report.linkPaths[path] ?? 0) + 1;
    }
  }
}

async function sendPhase(startAt: number): Promise<void> {
  const intervalMs = 1000 / options.rate;
  const endAt = startAt + options.duration;
  await sleep(Math.max(0, startAt - wallClock()));
  const timers = bots.map((bot) => {
    const send = () => {
      if (wallClock() >= endAt) return;
      try {
        bot.room.send(stampMessage(options.size, bot.index, bot.sent, wallClock()));
        bot.sent++;
        report.sent++;
        report.expected += bot.mates.length;
      } catch (err) {
        report.failures.push(`b${bot.index}: send failed: ${(err as Error).message}`);
      }
    };
    // Spread the bots over the interval so that they do not all send in the same millisecond.
    let interval: ReturnType<typeof setInterval> | undefined;
    const phase = setTimeout(() => {
      send();
      interval = setInterval(send, intervalMs);
    }, Math.random() * intervalMs);
    return () => {
      clearTimeout(phase);
      clearInterval(interval);
    };
  });
  const progress = setInterval(() => port.postMessage({ type: 'progress', sent: report.sent, delivered: report.delivered, expected: report.expected }), 250);
  await sleep(Math.max(0, endAt - wallClock()));
  for (const stop of timers) stop();
  const drainUntil = wallClock() + options.drain;
  while (report.delivered < report.expected && wallClock() < drainUntil) await sleep(20);
  clearInterval(progress);
}

async function main(): Promise<void> {
  let next = senderBase;
  for (const roomName of rooms) {
    try {
      bots.push(...(await startRoom(roomName, next)));
    } catch (err) {
      report.failures.push(`${roomName}: could not start: ${(err as Error).message}`);
    }
    next += options.peers;
  }
  report.bots = bots.length;
  port.postMessage({ type: 'ready' });
  const go = await new Promise<{ startAt: number }>((resolve) => port.once('message', resolve));
  await sendPhase(go.startAt);
  countLinkPaths();
  for (const bot of bots) {
    for (const track of bot.tracks.values()) {
      report.duplicates += track.duplicates;
      report.outOfOrder += track.outOfOrder;
    }
  }
  // Close every peer connection and let their UDP sockets go quiet before reporting: terminating a
  // worker while a UDP packet is being delivered aborts the whole process on Node 20
  // (FATAL ERROR in UDPWrap::OnRecv, seen at the end of a 100-bot run).
  await Promise.all(bots.map((bot) => bot.client.close()));
  await sleep(500);
  port.postMessage({ type: 'done', report });
  port.close();
}

main().catch((err: unknown) => {
  report.failures.push(`worker failed: ${(err as Error).stack ?? err}`);
  port.postMessage({ type: 'done', report });
});

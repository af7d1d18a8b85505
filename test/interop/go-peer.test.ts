/**
 * The Go peer (clients/go, pion + gorilla/websocket, written from docs/protocol.md) in a room with the
 * werift room client: direct DataChannels, the hub relay, chunked messages both ways, and bad records.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BotEvent } from '../../src/bots/bot-events.ts';
import { FLAG, decodeBatch, encodeData, fromBase64, toBase64 } from '../../src/client/link-wire.ts';
import type { RoomClient } from '../../src/client/room-client.ts';
import type { BotProcess } from '../helpers/bot-process.ts';
import { isEvent } from '../helpers/bot-process.ts';
import { GO_BUILD_TIMEOUT_MS, buildGoPeer, runGoPeer } from '../helpers/go-peer.ts';
import { startHub, type TestHub } from '../helpers/hub.ts';
import { MANY_FROM_ONE_ADDRESS, clientsAround, collect, connectClient, until, untilPaths } from '../helpers/room-clients.ts';
import { TestClient } from '../helpers/test-client.ts';

let t: TestHub;
let goBinary: string;
const clients: RoomClient[] = [];
const peers: BotProcess[] = [];
beforeAll(async () => {
  [goBinary, t] = await Promise.all([buildGoPeer(), startHub(MANY_FROM_ONE_ADDRESS)]);
}, GO_BUILD_TIMEOUT_MS);
afterEach(() => {
  for (const p of peers.splice(0)) p.kill();
  for (const c of clients.splice(0)) c.close();
});
afterAll(async () => {
  await t?.hub.close();
});

function goPeer(args: string[]): BotProcess {
  const p = runGoPeer(goBinary, ['--url', t.url, ...args]);
  peers.push(p);
  return p;
}

async function weriftPeer(roomName: string, p2p = true) {
  const client = await connectClient(t.url, { p2p });
  clients.push(client);
  return joinAs(client, roomName);
}

async function joinAs(client: RoomClient, roomName: string) {
  const name = `werift-${client.peerId.slice(0, 4)}`;
  const room = await client.join(roomName, { name });
  return { client, room, name, inbox: collect(room) };
}

/**
 * Two werift peers for the room, one on each side of `goId`: the Go peer is impolite to the first (pion
 * offers) and polite to the second (werift offers).
 */
async function weriftPeersAround(goId: string, roomName: string) {
  const [below, above] = await clientsAround(t.url, goId);
  clients.push(below, above);
  return [await joinAs(below, roomName), await joinAs(above, roomName)];
}

type MessageEvent = Extract<BotEvent, { event: 'message' }>;
const messagesFrom = (p: BotProcess, from: string) =>
  p.events.filter((e): e is MessageEvent => e.event === 'message' && e.from === from);

/** Over 64 KiB: five 16 KiB chunks on a DataChannel, two relay frames through the hub. */
const BIG = 70_000;

/**
 * Lines from the Go peer's stdin reach every werift peer, and each werift peer's messages reach the Go
 * peer, which echoes them (whispered) to their sender: each exactly once, in order, by `path`.
 */
async function chatBothWays(go: BotProcess, goId: string, ws: Awaited<ReturnType<typeof weriftPeer>>[], path: string) {
  const lines = Array.from({ length: 20 }, (_, i) => `go-${i}`);
  lines.splice(10, 0, 'g'.repeat(BIG));
  for (const line of lines) go.type(line);
  const inboxFromGo = (w: (typeof ws)[number]) => w.inbox.filter((m) => m.from === goId);
  const fromGo = (w: (typeof ws)[number]) => inboxFromGo(w).filter((m) => !m.whisper).map((m) => m.data);
  await until(() => ws.every((w) => fromGo(w).length >= lines.length), 'the Go peer\'s lines at the werift peers');

  const sent = (w: (typeof ws)[number]): (string | Uint8Array)[] => {
    const list: (string | Uint8Array)[] = Array.from({ length: 20 }, (_, i) => `${w.client.peerId}-${i}`);
    list.splice(5, 0, 'w'.repeat(BIG), Uint8Array.from({ length: BIG }, (_, i) => i % 251));
    return list;
  };
  for (const w of ws) for (const data of sent(w)) w.room.send(data);
  const asEvent = (data: string | Uint8Array) => (typeof data === 'string' ? data : Buffer.from(data).toString('base64'));
  await until(() => ws.every((w) => messagesFrom(go, w.client.peerId).length >= sent(w).length), 'the werift messages at the Go peer');
  await until(() => ws.every((w) => inboxFromGo(w).filter((m) => m.whisper).length >= sent(w).length), 'the echoes');

  for (const w of ws) {
    expect(fromGo(w)).toEqual(lines);
    expect(inboxFromGo(w).every((m) => m.path === path)).toBe(true);
    const got = messagesFrom(go, w.client.peerId);
    expect(got.map((e) => e.data)).toEqual(sent(w).map(asEvent));
    expect(got.map((e) => [e.binary, e.whisper, e.path, e.name])).toEqual(sent(w).map((d) => [typeof d !== 'string', false, path, w.name]));
    expect(inboxFromGo(w).filter((m) => m.whisper).map((m) => m.data)).toEqual(sent(w));
  }
  return { lines: lines.length, sent: sent(ws[0]!).length };
}

describe('the Go peer (pion)', () => {
  it('connects directly to werift peers, offering and answering; messages both ways arrive once, in order, chunked over 64 KiB', async () => {
    const go = goPeer(['--room', 'go-direct', '--name', 'gopher', '--echo']);
    const goId = (await go.event(isEvent('joined'), 'joined')).peerId;
    const ws = await weriftPeersAround(goId, 'go-direct');
    for (const w of ws) {
      await untilPaths(w.room, 2, ['direct']); // the Go peer and the other werift peer
      await go.event(isEvent('path-change', (e) => e.peerId === w.client.peerId && e.path === 'direct'), 'the Go peer reports direct');
    }
    expect(go.events.filter(isEvent('peer-joined')).map((e) => e.peerId)).toEqual(ws.map((w) => w.client.peerId));

    const { lines, sent } = await chatBothWays(go, goId, ws, 'direct');
    // Still exactly once after everything settled (no late duplicates).
    await until(() => go.events.filter((e) => e.event === 'sent').length === lines + 2 * sent, 'every send reported');
    for (const w of ws) {
      expect(w.inbox.filter((m) => m.from === goId).length).toBe(lines + sent);
      expect(messagesFrom(go, w.client.peerId).length).toBe(sent);
    }
    expect(go.events.filter((e) => e.event === 'error')).toEqual([]);
  }, 60_000);

  it('with --no-p2p talks over the hub relay, and follows a werift peer that has P2P off', async () => {
    const w = await weriftPeer('go-relay');
    const go = goPeer(['--room', 'go-relay', '--name', 'gopher', '--no-p2p', '--echo']);
    const joined = await go.event(isEvent('joined'), 'joined');
    expect(joined.peers).toMatchObject([{ peerId: w.client.peerId, path: 'relay' }]);
    await untilPaths(w.room, 1, ['relay']);
    await chatBothWays(go, joined.peerId, [w], 'relay');

    // The other way round: the werift peer says noP2P, and the Go peer relays.
    const w2 = await weriftPeer('go-relay-2', false);
    const go2 = goPeer(['--room', 'go-relay-2', '--name', 'gopher', '--echo']);
    const joined2 = await go2.event(isEvent('joined'), 'joined');
    await go2.event(isEvent('path-change', (e) => e.path === 'relay'), 'the Go peer relays');
    await untilPaths(w2.room, 1, ['relay']);
    await chatBothWays(go2, joined2.peerId, [w2], 'relay');
    expect([...go.events, ...go2.events].filter((e) => e.event === 'error')).toEqual([]);
  }, 60_000);

  it('paces its relay traffic under a strict hub\'s limits: nothing refused, nothing lost', async () => {
    // 10 frames/s and 64 KiB/s, burst the same: the frames below need several seconds' worth of both.
    const strict = await startHub({ messagesPerSecond: 10, messageBurst: 10, bytesPerSecond: 64 * 1024, byteBurst: 64 * 1024, hardMaxFrameBytes: 64 * 1024 });
    try {
      const client = await connectClient(strict.url);
      clients.push(client);
      const w = await joinAs(client, 'go-paced');
      const go = runGoPeer(goBinary, ['--url', strict.url, '--room', 'go-paced', '--name', 'gopher', '--no-p2p']);
      peers.push(go);
      const goId = (await go.event(isEvent('joined'), 'joined')).peerId;
      const lines = Array.from({ length: 30 }, (_, i) => `paced-${i}`);
      for (const line of lines) {
        go.type(line); // one at a time: each flush is a frame of its own while the hub is idle
        await new Promise((r) => setTimeout(r, 10));
      }
      lines.push('a'.repeat(40_000), 'b'.repeat(40_000));
      go.type(lines.at(-2)!);
      go.type(lines.at(-1)!);
      await until(() => w.inbox.length >= lines.length, 'everything, paced', 20_000);
      expect(w.inbox.map((m) => m.data)).toEqual(lines);
      expect(w.inbox.every((m) => m.from === goId && m.path === 'relay')).toBe(true);
      expect(go.events.filter((e) => e.event === 'error')).toEqual([]);
    } finally {
      await strict.hub.close();
    }
  }, 60_000);

  it('relays when its DataChannel dies and goes back to direct, losing nothing across the switches', async () => {
    const w = await weriftPeer('go-heal');
    const go = goPeer(['--room', 'go-heal', '--name', 'gopher']);
    const goId = (await go.event(isEvent('joined'), 'joined')).peerId;
    await untilPaths(w.room, 1, ['direct']);
    const fromGo = () => w.inbox.filter((m) => m.from === goId);
    const fromWerift = () => messagesFrom(go, w.client.peerId);

    let k = 0;
    const pump = setInterval(() => {
      for (let i = 0; i < 5; i++, k++) {
        w.room.send(`w:${k}`);
        go.type(`g:${k}`);
      }
    }, 20);
    try {
      await until(() => fromGo().length >= 20, 'messages over the DataChannel');
      // The channel ends under both peers (as when a NAT drops it): each relays; the impolite one retries.
      (w.client.link(goId) as unknown as { channel: { close(): void } }).channel.close();
      await go.event(isEvent('path-change', (e) => e.path === 'relay'), 'the Go peer relays');
      await until(() => fromGo().some((m) => m.path === 'relay'), 'messages over the relay');
      await go.event(isEvent('path-change', (e) => e.previous === 'relay' && e.path === 'direct'), 'the Go peer back on direct', 15_000);
      await untilPaths(w.room, 1, ['direct']);
      await until(() => fromGo().at(-1)?.path === 'direct' && fromWerift().at(-1)?.path === 'direct', 'messages over the new DataChannel');
    } finally {
      clearInterval(pump);
    }
    const total = k;
    const numbered = (from: string) => Array.from({ length: total }, (_, i) => `${from}:${i}`);
    await until(() => fromGo().length >= total && fromWerift().length >= total, `both get ${total}`);
    expect(fromGo().map((m) => m.data)).toEqual(numbered('g'));
    expect(fromWerift().map((e) => e.data)).toEqual(numbered('w'));
    expect(new Set(fromGo().map((m) => m.path))).toEqual(new Set(['relay', 'direct']));
    expect(new Set(fromWerift().map((e) => e.path))).toEqual(new Set(['relay', 'direct']));
  }, 60_000);

  it('exits like roomwire bot: 0 after SIGTERM (having left), 1 with no hub, 3 when the join is refused', async () => {
    const w = await weriftPeer('go-exit');
    const go = goPeer(['--room', 'go-exit', '--name', 'gopher']);
    await go.event(isEvent('joined'), 'joined');
    const left = new Promise((resolve) => w.room.on('peer-left', resolve));
    go.signal('SIGTERM');
    expect(await go.exited).toBe(0);
    await go.event(isEvent('left'), 'left');
    expect(await left).toMatchObject({ name: 'gopher', reason: 'left' });

    const unreachable = runGoPeer(goBinary, ['--url', 'ws://127.0.0.1:9/ws']);
    const refused = goPeer(['--room', 'r'.repeat(65)]); // longer than maxRoomNameLength: bad-message
    peers.push(unreachable);
    expect(await unreachable.exited).toBe(1);
    expect(unreachable.stderr).toContain('cannot reach the hub');
    expect(await refused.exited).toBe(3);
    expect(refused.stderr).toContain('bad-message');
  }, 60_000);

  it('refuses malformed and hostile records without harm, and its own bad records harm no werift peer', async () => {
    const room = 'go-hostile';
    const w = await weriftPeer(room);
    const go = goPeer(['--room', room, '--name', 'gopher', '--max-message-bytes', '100000']);
    const goId = (await go.event(isEvent('joined'), 'joined')).peerId;
    await untilPaths(w.room, 1, ['direct']);

    const mallory = await TestClient.connect(t.url);
    await mallory.join(room, 'mallory');
    await go.event(isEvent('peer-joined', (e) => e.name === 'mallory'), 'mallory joined');
    mallory.send({ type: 'signal', to: goId, data: { gen: 0, noP2P: true } });
    await go.event(isEvent('path-change', (e) => e.peerId === mallory.peerId && e.path === 'relay'), 'relay to mallory');
    const relay = (bytes: Uint8Array) => mallory.send({ type: 'relay', to: goId, data: { l: toBase64(bytes) } });
    const chunk = (seq: number, flags: number, text: string) => encodeData(seq, flags, new TextEncoder().encode(text));
    const message = (seq: number, text: string) =>
      encodeData(seq, FLAG.first | FLAG.last, new Uint8Array([room.length, ...new TextEncoder().encode(room + text)]));
    const errorsSoFar = () => go.events.flatMap((e) => (e.event === 'error' ? [e.code] : []));

    // Batches that are not records: refused whole, and reported.
    relay(new Uint8Array([9, 1, 2]));
    relay(new Uint8Array([1, 0, 0, 0, 1, 3, 0, 0, 0, 50, 120])); // DATA that claims 50 bytes and has 1
    mallory.send({ type: 'relay', to: goId, data: { l: '!! not base64 !!' } });
    await until(() => errorsSoFar().filter((c) => c === 'bad-link-record').length === 3, 'three bad batches reported');

    // Records that parse, but make no message: a chunk that continues nothing, a message over
    // --max-message-bytes (three 40,000 byte chunks), a header cut short.
    relay(chunk(1, FLAG.last, 'orphan'));
    relay(encodeData(2, FLAG.first | FLAG.last, new Uint8Array([room.length]))); // a room length, and no room
    const part = 'p'.repeat(40_000);
    relay(encodeData(3, FLAG.first, new Uint8Array([room.length, ...new TextEncoder().encode(room + part)])));
    relay(chunk(4, 0, part));
    relay(chunk(5, FLAG.last, part));
    await until(() => errorsSoFar().filter((c) => c === 'bad-link-message').length === 3, 'three bad messages reported');

    // Chunks ahead of a gap are kept only up to a bound (1,024); the rest are dropped until sent again.
    const ahead = Array.from({ length: 1_100 }, (_, i) => message(7 + i, `m${7 + i}`));
    relay(Uint8Array.from(ahead.flatMap((r) => [...r])));
    relay(message(6, 'm6'));
    relay(new Uint8Array([9])); // a bad batch as a marker: its error is printed after the gap's messages
    await until(() => errorsSoFar().filter((c) => c === 'bad-link-record').length === 4, 'the marker');
    const fromMallory = () => messagesFrom(go, mallory.peerId).map((e) => e.data);
    expect(fromMallory().length).toBe(1 + 1_024);
    relay(Uint8Array.from(ahead.flatMap((r) => [...r]))); // all again: the kept ones are duplicates
    const expected = Array.from({ length: 1_101 }, (_, i) => `m${6 + i}`);
    await until(() => fromMallory().length >= expected.length, 'everything after the gap');
    expect(fromMallory()).toEqual(expected);
    expect(messagesFrom(go, mallory.peerId).every((e) => e.path === 'relay' && e.name === 'mallory')).toBe(true);
    // and the Go peer acknowledges all of it, through the hub
    await until(() => mallory.pending('relay').some((m) => decodeBatch(fromBase64((m.data as { l: string }).l))
      .some((r) => r.kind === 'ack' && r.seq === 1_106)), 'the cumulative ACK');

    // Bad records from the Go peer to the werift peer, over their DataChannel: dropped there, nothing else.
    go.type(`/raw ${w.name} CQEC`); // an unknown record kind
    go.type(`/raw ${w.name} ${toBase64(new Uint8Array([1, 0, 0, 0, 1, 3, 0, 0, 0, 50]))}`);
    go.type('after the garbage');
    w.room.send('still talking');
    await until(() => w.inbox.some((m) => m.data === 'after the garbage'), 'the werift peer still hears the Go peer');
    await go.event(isEvent('message', (e) => e.data === 'still talking' && e.path === 'direct'), 'and the Go peer the werift peer');
    expect(w.inbox.map((m) => m.data)).toEqual(['after the garbage']);
    expect(w.room.peers().find((p) => p.peerId === goId)?.path).toBe('direct');
    expect(errorsSoFar().filter((c) => c !== 'bad-link-record' && c !== 'bad-link-message')).toEqual([]);
    await mallory.close();
  }, 60_000);
});

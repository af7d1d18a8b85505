/**
 * The Python peer (clients/python/, aiortc + websockets on Debian's /usr/bin/python3), written from
 * docs/protocol.md alone, in rooms with werift peers: in-process room clients and `roomwire bot`.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BotEvent } from '../../src/bots/bot-events.ts';
import { encodeData, FLAG, toBase64 } from '../../src/client/link-wire.ts';
import type { RoomClient } from '../../src/client/room-client.ts';
import { BotProcess, isEvent } from '../helpers/bot-process.ts';
import { startHub, type TestHub } from '../helpers/hub.ts';
import { MANY_FROM_ONE_ADDRESS, clientsAround, collect, connectClient, until, untilPaths } from '../helpers/room-clients.ts';
import { TestClient } from '../helpers/test-client.ts';

const PYTHON = '/usr/bin/python3';
const PEER_DIR = fileURLToPath(new URL('../../clients/python/', import.meta.url));
const PYTHON_PEER = [PYTHON, `${PEER_DIR}roomwire_peer.py`];

let t: TestHub;
const clients: RoomClient[] = [];
const peers: BotProcess[] = [];
beforeAll(async () => { t = await startHub(MANY_FROM_ONE_ADDRESS); });
afterEach(() => {
  const python = peers.filter((p) => p.command === PYTHON_PEER);
  for (const p of peers.splice(0)) p.kill();
  // nothing the Python peer met made it trip: no traceback, no frame it could not handle
  for (const p of python) expect([p.stderr, p.events.filter((e) => e.event === 'error' && e.code === 'internal-error')]).toEqual(['', []]);
  for (const c of clients.splice(0)) void c.close();
});
afterAll(async () => { await t.hub.close(); });

function python(args: string[]): BotProcess {
  const p = new BotProcess(['--url', t.url, ...args], PYTHON_PEER);
  peers.push(p);
  return p;
}

/** werift room clients, one with a smaller peer id than `than` and one a larger: both roles covered. */
async function clientsAroundPeer(than: string): Promise<[RoomClient, RoomClient]> {
  const pair = await clientsAround(t.url, than);
  clients.push(...pair);
  return pair;
}

const messagesFrom = (p: BotProcess, from: string) =>
  p.events.filter((e): e is Extract<BotEvent, { event: 'message' }> => e.event === 'message' && e.from === from);

/** ~75 KB of text whose chunks all differ, so a reordering or a lost chunk shows. */
const big = (tag: string) => `${tag}:` + Array.from({ length: 20_000 }, (_, i) => i.toString(36)).join('.');

describe('Python peer (aiortc) with werift peers', () => {
  it('passes its own unit tests: records, bounded reassembly, aiortc quirks', () => {
    const out = execFileSync(PYTHON, ['-m', 'unittest', 'discover', '-s', PEER_DIR, '-p', 'test_*.py'], { encoding: 'utf8', stdio: 'pipe' });
    expect(out).toBe('');
  });

  it('connects directly in both roles, and messages both ways arrive exactly once, in order, chunked beyond 64 KiB', async () => {
    const py = python(['--room', 'direct', '--name', 'py']);
    const { peerId: pyId } = await py.event(isEvent('joined'), 'joined');
    const [polite, impolite] = await clientsAroundPeer(pyId); // polite towards the Python peer, and impolite
    const relayOnly = await connectClient(t.url, { p2p: false }); // sends noP2P: the Python peer must relay
    clients.push(relayOnly);
    const rooms = await Promise.all([polite, impolite].map((c, i) => c.join('direct', { name: `werift-${i}` })));
    const relayRoom = await relayOnly.join('direct', { name: 'werift-relay' });
    await Promise.all(rooms.map((r) => untilPaths(r, 3, ['direct', 'relay'])));
    for (const c of [polite, impolite]) await py.event(isEvent('path-change', (e) => e.peerId === c.peerId && e.path === 'direct'), `direct to ${c.peerId}`);
    await py.event(isEvent('path-change', (e) => e.peerId === relayOnly.peerId && e.path === 'relay'), 'relay to the no-P2P client');
    for (const r of rooms) expect(r.peers().find((p) => p.peerId === pyId)?.path).toBe('direct');
    const received = [...rooms, relayRoom].map(collect);
    const inboxes = () => received.map((inbox) => inbox.filter((m) => m.from === pyId));

    // werift -> Python: many small messages, one chunked, one binary
    const sent = [...Array.from({ length: 30 }, (_, i) => `w${i}`), big('w'), 'after-big'];
    for (const r of [...rooms, relayRoom]) for (const text of sent) r.send(text);
    rooms[0]!.send(new Uint8Array([0, 1, 2, 255]));
    // Python -> werift, from stdin
    const typed = [...Array.from({ length: 30 }, (_, i) => `p${i}`), big('p'), 'after-big'];
    for (const line of typed) py.type(line);

    await until(() => [polite, impolite, relayOnly].every((c) => messagesFrom(py, c.peerId).length >= sent.length), 'werift messages at the Python peer', 15_000);
    await until(() => inboxes().every((inbox) => inbox.length >= typed.length), 'Python messages at the werift peers', 15_000);
    await until(() => messagesFrom(py, polite.peerId).some((m) => m.binary), 'the binary message');
    await new Promise((r) => setTimeout(r, 300)); // duplicates, if any, would arrive now
    for (const [c, path] of [[polite, 'direct'], [impolite, 'direct'], [relayOnly, 'relay']] as const) {
      const got = messagesFrom(py, c.peerId);
      expect(got.filter((m) => !m.binary).map((m) => m.data)).toEqual(sent);
      expect(new Set(got.map((m) => m.path))).toEqual(new Set([path]));
    }
    expect(messagesFrom(py, polite.peerId).find((m) => m.binary)?.data).toBe(Buffer.from([0, 1, 2, 255]).toString('base64'));
    for (const inbox of inboxes()) expect(inbox.map((m) => m.data)).toEqual(typed);
    expect(inboxes().map((inbox) => [...new Set(inbox.map((m) => m.path))])).toEqual([['direct'], ['direct'], ['relay']]);
  }, 60_000);

  it('with --no-p2p talks over the hub relay to `roomwire bot`, echoes, and prints the same event keys', async () => {
    const py = python(['--room', 'relay', '--name', 'py', '--no-p2p', '--echo']);
    const { peerId: pyId } = await py.event(isEvent('joined'), 'joined');
    const bot = new BotProcess(['--url', t.url, '--room', 'relay', '--name', 'wb']);
    peers.push(bot);
    const botId = (await bot.event(isEvent('joined'), 'bot joined')).peerId;
    // the bot may have heard the noP2P signal before its own joined event: the path is in one or the other
    await bot.event((e): e is BotEvent => (e.event === 'joined' && e.peers[0]?.path === 'relay') ||
      (e.event === 'path-change' && e.peerId === pyId && e.path === 'relay'), 'the bot relays to the no-P2P peer');
    await py.event(isEvent('path-change', (e) => e.peerId === botId && e.path === 'relay'), 'and the Python peer to the bot');

    const lines = ['one', big('b'), 'three'];
    for (const line of lines) bot.type(line);
    await until(() => bot.events.filter((e) => e.event === 'message' && e.whisper).length >= lines.length, 'echoes back at the bot', 15_000);
    py.type('from python');
    const fromPy = await bot.event(isEvent('message', (e) => e.from === pyId && !e.whisper), 'the Python line');
    expect(fromPy.path).toBe('relay');

    expect(messagesFrom(py, botId).map((m) => [m.data, m.path, m.whisper])).toEqual(lines.map((l) => [l, 'relay', false]));
    const echoes = bot.events.filter((e): e is Extract<BotEvent, { event: 'message' }> => e.event === 'message' && e.whisper);
    expect(echoes.map((e) => [e.data, e.from, e.path])).toEqual(lines.map((l) => [l, pyId, 'relay']));
    // The same keys as `roomwire bot --json`, event by event
    const keys = (p: BotProcess, type: string, match: (e: BotEvent) => boolean = () => true) =>
      Object.keys(p.events.find((e) => e.event === type && match(e))!).sort();
    for (const type of ['joined', 'message']) expect(keys(py, type)).toEqual(keys(bot, type));
    expect(keys(py, 'path-change')).toEqual(['at', 'event', 'name', 'path', 'peerId', 'previous', 'room']); // as BotEvent has it
    expect(keys(py, 'sent', (e) => !('to' in e))).toEqual(keys(bot, 'sent'));
    expect(keys(py, 'sent', (e) => 'to' in e)).toEqual([...keys(bot, 'sent'), 'to'].sort()); // an echo is whispered
    expect(keys(py, 'peer-joined')).toEqual(Object.keys({ event: 0, room: 0, peerId: 0, name: 0, role: 0, at: 0 }).sort());

    py.signal('SIGTERM');
    expect(await py.exited).toBe(0);
    await py.event(isEvent('left'), 'left');
    await bot.event(isEvent('peer-left', (e) => e.peerId === pyId && e.reason === 'left'), 'peer-left at the bot');
  }, 60_000);

  it('relays when ICE fails, returns to direct when it can, and loses or repeats nothing across the switches', async () => {
    const py = python(['--room', 'heal', '--name', 'py', '--p2p-timeout-ms', '1500']);
    const { peerId: pyId } = await py.event(isEvent('joined'), 'joined');
    // Until `allow`, werift drops every STUN response: its own checks never succeed, so its ICE never
    // connects and no DataChannel opens. (iceFilterCandidatePair is no gate against aiortc: werift still
    // answers aiortc's checks, and a pair aiortc nominates connects.)
    let allow = false;
    // Timeouts well above the 0.2-0.6 s an aiortc-werift DataChannel takes to open on a busy machine.
    const werift = await connectClient(t.url, { werift: { iceFilterStunResponse: () => allow }, p2pTimeoutMs: 2_000, p2pRetryMinMs: 500, p2pRetryMaxMs: 1_000 });
    clients.push(werift);
    const room = await werift.join('heal', { name: 'werift' });
    const atWerift = collect(room);
    await untilPaths(room, 1, ['relay']);
    await py.event(isEvent('path-change', (e) => e.path === 'relay'), 'the Python peer relays');

    const sent: string[] = [];
    const typed: string[] = [];
    const say = (n: number) => {
      for (let i = 0; i < n; i++) {
        sent.push(`w${sent.length}`);
        room.send(sent.at(-1)!);
        typed.push(`p${typed.length}`);
        py.type(typed.at(-1)!);
      }
    };
    say(20);
    sent.push(big('w'));
    room.send(sent.at(-1)!);
    allow = true;
    const pump = setInterval(() => say(5), 50); // messages keep flowing across the switch back to direct
    try {
      await py.event(isEvent('path-change', (e) => e.path === 'direct'), 'the Python peer back to direct', 20_000);
      await untilPaths(room, 1, ['direct'], 20_000);
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      clearInterval(pump);
    }
    await until(() => messagesFrom(py, werift.peerId).length >= sent.length && atWerift.length >= typed.length, 'everything, both ways', 15_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(messagesFrom(py, werift.peerId).map((m) => m.data)).toEqual(sent);
    expect(atWerift.map((m) => m.data)).toEqual(typed);
    expect(new Set(messagesFrom(py, werift.peerId).map((m) => m.path))).toEqual(new Set(['relay', 'direct']));
    expect(room.peers()[0]).toMatchObject({ peerId: pyId, path: 'direct' });
  }, 60_000);

  it('refuses malformed link records from a raw peer without harm, and keeps working', async () => {
    const py = python(['--room', 'bad', '--name', 'py']);
    const { peerId: pyId } = await py.event(isEvent('joined'), 'joined');
    const werift = await connectClient(t.url);
    clients.push(werift);
    const room = await werift.join('bad', { name: 'werift' });
    const inbox = collect(room);
    await untilPaths(room, 1, ['direct']);
    const raw = await TestClient.connect(t.url);
    await raw.join('bad', 'raw');
    const relay = (data: unknown) => raw.send({ type: 'relay', to: pyId, data });
    const dataRecord = (seq: number, payload: Uint8Array) => encodeData(seq, FLAG.first | FLAG.last, payload);
    const message = (text: string) => new Uint8Array([3, ...Buffer.from('bad'), ...Buffer.from(text)]);

    relay({ l: toBase64(new Uint8Array([9, 1, 2, 3])) }); // an unknown record kind
    relay({ l: toBase64(new Uint8Array([1, 0, 0, 0, 1, 3, 0, 0, 0, 100, 1, 2])) }); // a DATA longer than its batch
    relay({ l: toBase64(new Uint8Array([1, 0, 0, 0, 1, 3, 0xff, 0xff, 0xff, 0xff])) }); // and one claiming 4 GiB
    relay({ l: '*** not base64 ***' });
    relay({ l: 42 });
    relay('not an object');
    relay({ l: toBase64(dataRecord(1, new Uint8Array([200, 1, 2]))) }); // a room name beyond the message
    relay({ l: toBase64(dataRecord(2, message('well formed'))) });
    relay({ l: toBase64(dataRecord(2, message('well formed'))) }); // the same chunk again: a duplicate

    const ok = await py.event(isEvent('message', (e) => e.from === raw.peerId), 'the well-formed message');
    expect(ok).toMatchObject({ data: 'well formed', path: 'relay', name: 'raw' });
    const refusals = () => py.events.filter((e) => e.event === 'error' && e.code === 'bad-link-record');
    await until(() => refusals().length >= 5, 'five refusals');
    py.type('still here');
    room.send('and you?');
    await until(() => inbox.some((m) => m.data === 'still here'), 'the Python peer still sends');
    await py.event(isEvent('message', (e) => e.data === 'and you?' && e.path === 'direct'), 'and still receives');
    expect(messagesFrom(py, raw.peerId)).toHaveLength(1);
    expect(refusals()).toHaveLength(5);
    await raw.close();
  }, 60_000);
});

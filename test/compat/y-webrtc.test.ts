/**
 * y-webrtc's signaling protocol on the hub (`--y-webrtc`), tested against the real thing, differentially:
 * every check of the protocol runs against roomwire and against y-webrtc's own bin/server.js (from
 * node_modules, in a child process), so they encode what the real server does, not a guess. Real `yjs` and
 * `y-webrtc` in three headless Chromium pages converge over WebRTC through either. Where roomwire
 * deliberately differs (malformed input, limits), the tests say so and show both sides.
 */
import type { Browser, Page } from 'playwright-core';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { HubOptions } from '../../src/hub/options.ts';
import { launchChromium, openPage } from '../helpers/browser.ts';
import { startHub, type TestHub } from '../helpers/hub.ts';
import { parsePrometheus, valueOf } from '../helpers/prometheus.ts';
import { YClient, type YFrame } from '../helpers/y-webrtc-client.ts';
import { startOriginalServer, type OriginalServer } from '../helpers/y-webrtc-original.ts';
import { serveYjsPage, yPage, type YPageServer } from '../helpers/y-webrtc-page.ts';

type Kind = 'roomwire' | 'original';

interface Target {
  url: string;
  close(): Promise<void>;
}

async function startRoomwire(options: Partial<HubOptions> = {}): Promise<TestHub & { yUrl: string }> {
  const t = await startHub({ yWebrtc: true, ...options });
  return { ...t, yUrl: `ws://127.0.0.1:${t.port}/y-webrtc` };
}

async function startTarget(kind: Kind, options: Partial<HubOptions> = {}): Promise<Target> {
  if (kind === 'original') return startOriginalServer();
  const t = await startRoomwire(options);
  return { url: t.yUrl, close: () => t.hub.close() };
}

/** The HTTP status an upgrade is refused with (fails if it is accepted). */
function upgradeStatus(url: string, options: WebSocket.ClientOptions = {}): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => reject(new Error('upgrade should have been refused')));
    ws.on('error', () => {});
  });
}

/**
 * A server handles a socket's close a moment after the client has seen it, and the original offers nothing
 * to wait on: publish (bounded) until the count of subscribers shows the close.
 */
async function untilClients(subscriber: YClient, topic: string, expected: number): Promise<void> {
  let seen: unknown;
  for (let i = 0; i < 50 && seen !== expected; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    subscriber.send({ type: 'publish', topic, data: 'count' });
    seen = (await subscriber.nextPublish(topic)).clients;
  }
  expect(seen).toBe(expected);
}

const publishes = (c: YClient) => c.inbox.filter((m) => m.type === 'publish');
const signal = { to: 'peer-b', from: 'peer-a', type: 'signal', token: 1.5, signal: { type: 'offer', sdp: 'v=0\r\n' } };

describe.each<Kind>(['roomwire', 'original'])('the y-webrtc protocol, on %s', (kind) => {
  let target: Target;
  const open: YClient[] = [];
  const connect = async () => {
    const c = await YClient.connect(target.url);
    open.push(c);
    return c;
  };
  beforeAll(async () => {
    target = await startTarget(kind);
  });
  afterAll(async () => {
    await Promise.all(open.map((c) => c.close()));
    await target.close();
  });

  it('publish goes to every subscriber of the topic, the sender too, with clients = the subscribers', async () => {
    const [a, b, c, other] = await Promise.all([connect(), connect(), connect(), connect()]);
    for (const x of [a, b, c]) x.subscribe('doc-1');
    other.subscribe('doc-2');
    await Promise.all([a, b, c, other].map((x) => x.sync()));
    a.send({ type: 'publish', topic: 'doc-1', data: signal });
    for (const x of [a, b, c]) {
      const frame = await x.nextPublish('doc-1');
      expect(frame).toEqual({ type: 'publish', topic: 'doc-1', data: signal, clients: 3 });
      expect(Object.keys(frame)).toEqual(['type', 'topic', 'data', 'clients']);
    }
    await other.sync();
    expect(publishes(other)).toEqual([]);
  });

  it('a socket may publish to a topic it does not subscribe to; clients counts the subscribers only', async () => {
    const [sub, outsider] = await Promise.all([connect(), connect()]);
    sub.subscribe('doc-3');
    await sub.sync();
    outsider.send({ type: 'publish', topic: 'doc-3', data: { type: 'announce', from: 'x' } });
    expect(await sub.nextPublish('doc-3')).toMatchObject({ clients: 1, data: { type: 'announce', from: 'x' } });
    await outsider.sync();
    expect(publishes(outsider)).toEqual([]);
  });

  it('subscribing twice counts once; unsubscribe and close take a socket out of the topic', async () => {
    const [a, b, c] = await Promise.all([connect(), connect(), connect()]);
    for (const x of [a, b, c]) x.subscribe('doc-4', 'doc-4');
    a.subscribe('doc-4');
    await Promise.all([a, b, c].map((x) => x.sync()));
    a.send({ type: 'publish', topic: 'doc-4', data: 1 });
    expect(await b.nextPublish('doc-4')).toMatchObject({ clients: 3 });
    b.send({ type: 'unsubscribe', topics: ['doc-4', 'never-subscribed'] });
    await b.sync();
    a.send({ type: 'publish', topic: 'doc-4', data: 2 });
    expect(await c.nextPublish('doc-4')).toMatchObject({ data: 1 });
    expect(await c.nextPublish('doc-4')).toMatchObject({ data: 2, clients: 2 });
    await c.close();
    await a.nextPublish('doc-4');
    await a.nextPublish('doc-4');
    await untilClients(a, 'doc-4', 1);
    await b.sync();
    expect(publishes(b)).toEqual([]);
  });

  it('answers ping with pong, and a publish to a topic without subscribers goes nowhere', async () => {
    const a = await connect();
    a.send({ type: 'publish', topic: 'nobody-here', data: 'lost' });
    a.send({ type: 'ping' });
    expect(await a.next((m) => m.type === 'pong', 'pong')).toEqual({ type: 'pong' });
    expect(a.inbox).toEqual([]);
  });

  it('reads a binary frame of JSON like a text frame', async () => {
    const a = await connect();
    a.sendRaw(Buffer.from(JSON.stringify({ type: 'subscribe', topics: ['doc-5'] })), true);
    a.sendRaw(Buffer.from(JSON.stringify({ type: 'publish', topic: 'doc-5', data: 'b' })), true);
    expect(await a.nextPublish('doc-5')).toMatchObject({ data: 'b', clients: 1 });
  });
});

describe('where roomwire deliberately differs from y-webrtc\'s server', () => {
  it('one malformed frame kills the original server and every socket on it; roomwire answers bad-json and nobody else notices', async () => {
    const original = await startOriginalServer();
    const [bystander, vandal] = await Promise.all([YClient.connect(original.url), YClient.connect(original.url)]);
    vandal.sendRaw('{ not json');
    expect((await original.exited).code).not.toBe(0);
    expect(original.stderr()).toContain('SyntaxError');
    expect((await bystander.closed).code).toBe(1006);

    const t = await startRoomwire();
    const [a, b, v] = await Promise.all([YClient.connect(t.yUrl), YClient.connect(t.yUrl), YClient.connect(t.yUrl)]);
    a.subscribe('doc');
    b.subscribe('doc');
    await Promise.all([a.sync(), b.sync()]);
    v.sendRaw('{ not json');
    await v.nextError('bad-json');
    a.send({ type: 'publish', topic: 'doc', data: 'still here' });
    expect(await b.nextPublish('doc')).toMatchObject({ data: 'still here', clients: 2 });
    v.subscribe('doc');
    await v.sync(); // the vandal's socket is still open and works
    await Promise.all([a.close(), b.close(), v.close()]);
    await t.hub.close();
  });

  it('`topics` that is not an array kills the original too; roomwire answers bad-message', async () => {
    const original = await startOriginalServer();
    const vandal = await YClient.connect(original.url);
    vandal.send({ type: 'subscribe', topics: 'doc' });
    expect((await original.exited).code).not.toBe(0);
    expect(original.stderr()).toContain('forEach is not a function');

    const t = await startRoomwire();
    const v = await YClient.connect(t.yUrl);
    v.send({ type: 'subscribe', topics: 'doc' });
    await v.nextError('bad-message');
    await v.close();
    await t.hub.close();
  });

  // Frames the original passes over in silence (it survives them); roomwire answers each with an error,
  // which y-webrtc's client ignores (it handles `publish` only).
  const answered: [string, string][] = [
    ['[1, 2]', 'bad-message'],
    ['null', 'bad-message'],
    ['{"type": 5}', 'bad-message'],
    ['{"type": "nope"}', 'unknown-type'],
    ['{"type": "publish", "topic": "", "data": 1}', 'bad-message'],
    ['{"type": "publish", "topic": {"a": 1}, "data": 1}', 'bad-message'],
  ];

  it('frames the original ignores get an error from roomwire, and change nothing on either', async () => {
    const original = await startOriginalServer();
    const t = await startRoomwire();
    for (const [url, kind] of [[original.url, 'original'], [t.yUrl, 'roomwire']] as const) {
      const [sub, x] = await Promise.all([YClient.connect(url), YClient.connect(url)]);
      sub.subscribe('doc');
      await sub.sync();
      for (const [frame, code] of answered) {
        x.sendRaw(frame);
        if (kind === 'roomwire') await x.nextError(code);
      }
      await x.sync();
      expect(x.inbox, kind).toEqual([]);
      expect(publishes(sub), kind).toEqual([]);
      await Promise.all([sub.close(), x.close()]);
    }
    await original.close();
    await t.hub.close();
  });

  it('JSON nested deeper than maxJsonDepth: the original relays it, roomwire refuses it (too-deep)', async () => {
    const original = await startOriginalServer();
    const t = await startRoomwire({ maxJsonDepth: 32 });
    const deep = '{"type": "publish", "topic": "doc", "data": ' + '['.repeat(40) + ']'.repeat(40) + '}';
    const relayed = async (url: string) => {
      const x = await YClient.connect(url);
      x.subscribe('doc');
      x.sendRaw(deep);
      await x.sync();
      const result = { publishes: publishes(x).length, errors: x.inbox.filter((m) => m.type === 'error').map((m) => m.code) };
      await x.close();
      return result;
    };
    expect(await relayed(original.url)).toEqual({ publishes: 1, errors: [] });
    expect(await relayed(t.yUrl)).toEqual({ publishes: 0, errors: ['too-deep'] });
    await original.close();
    await t.hub.close();
  });

  it('a subscribe with a non-string topic: the original takes the strings among them, roomwire refuses the whole frame', async () => {
    const original = await startOriginalServer();
    const t = await startRoomwire();
    const clientsAfter = async (url: string) => {
      const [x, probe] = await Promise.all([YClient.connect(url), YClient.connect(url)]);
      x.send({ type: 'subscribe', topics: [7, 'doc'] });
      await x.sync();
      probe.send({ type: 'publish', topic: 'doc', data: 1 });
      await probe.sync();
      await x.sync();
      const got = publishes(x);
      await Promise.all([x.close(), probe.close()]);
      return { got, errors: x.inbox.filter((m) => m.type === 'error').map((m) => m.code) };
    };
    expect(await clientsAfter(original.url)).toMatchObject({ got: [{ topic: 'doc', clients: 1 }], errors: [] });
    expect(await clientsAfter(t.yUrl)).toEqual({ got: [], errors: ['bad-message'] });
    await original.close();
    await t.hub.close();
  });
});

describe('roomwire\'s limits on /y-webrtc', () => {
  it('topics per socket: a subscribe beyond yWebrtcMaxTopicsPerConnection is refused whole (too-many-rooms)', async () => {
    const t = await startRoomwire({ yWebrtcMaxTopicsPerConnection: 3 });
    const [a, probe] = await Promise.all([YClient.connect(t.yUrl), YClient.connect(t.yUrl)]);
    a.subscribe('t1', 't2');
    a.subscribe('t2', 't3', 't4');
    await a.nextError('too-many-rooms');
    a.subscribe('t1', 't2', 't3'); // what it has, plus one: fits
    await a.sync();
    expect(a.inbox).toEqual([]);
    probe.send({ type: 'publish', topic: 't4', data: 'no' });
    probe.send({ type: 'publish', topic: 't3', data: 'yes' });
    expect(await a.nextPublish('t3')).toMatchObject({ data: 'yes' });
    await a.sync();
    expect(publishes(a)).toEqual([]);
    await Promise.all([a.close(), probe.close()]);
    await t.hub.close();
  });

  it('topic length: up to yWebrtcMaxTopicLength, bad-message beyond', async () => {
    const t = await startRoomwire({ yWebrtcMaxTopicLength: 10 });
    const a = await YClient.connect(t.yUrl);
    a.subscribe('x'.repeat(10));
    a.send({ type: 'publish', topic: 'x'.repeat(10), data: 1 });
    expect(await a.nextPublish('x'.repeat(10))).toMatchObject({ clients: 1 });
    a.subscribe('x'.repeat(11));
    await a.nextError('bad-message');
    a.send({ type: 'publish', topic: 'y'.repeat(11), data: 1 });
    await a.nextError('bad-message');
    await a.close();
    await t.hub.close();
  });

  it('topics in total: hub-full beyond yWebrtcMaxTopics, room again once a topic loses its last subscriber', async () => {
    const t = await startRoomwire({ yWebrtcMaxTopics: 2 });
    const [a, b] = await Promise.all([YClient.connect(t.yUrl), YClient.connect(t.yUrl)]);
    a.subscribe('t1', 't2');
    b.subscribe('t2'); // an existing topic: no new one
    await Promise.all([a.sync(), b.sync()]);
    b.subscribe('t3');
    await b.nextError('hub-full');
    a.send({ type: 'unsubscribe', topics: ['t1'] });
    await a.sync();
    b.subscribe('t3');
    await b.sync();
    expect(b.inbox).toEqual([]);
    await a.close();
    await b.sync(); // a's close has been handled: t2 is still b's, so still no room
    b.subscribe('t4');
    await b.nextError('hub-full');
    await b.close();
    await t.hub.close();
  });

  it('frame size: payload-too-large above maxFrameBytes, close 1009 above hardMaxFrameBytes', async () => {
    const t = await startRoomwire({ maxFrameBytes: 1_000, hardMaxFrameBytes: 4_000 });
    const [a, b] = await Promise.all([YClient.connect(t.yUrl), YClient.connect(t.yUrl)]);
    b.subscribe('doc');
    await b.sync();
    a.send({ type: 'publish', topic: 'doc', data: 'z'.repeat(2_000) });
    await a.nextError('payload-too-large');
    a.sendRaw('z'.repeat(5_000));
    expect((await a.closed).code).toBe(1009);
    await b.sync();
    expect(publishes(b)).toEqual([]);
    await b.close();
    await t.hub.close();
  });

  it('message budget: beyond messageBurst at once, rate-limited', async () => {
    const t = await startRoomwire({ messagesPerSecond: 1, messageBurst: 5 });
    const a = await YClient.connect(t.yUrl);
    for (let i = 0; i < 6; i++) a.send({ type: 'ping' });
    await a.nextError('rate-limited');
    expect(a.inbox.filter((m) => m.type === 'pong')).toHaveLength(5);
    await a.close();
    await t.hub.close();
  });

  it('byte budget: a publish costs its size once per subscriber', async () => {
    // 1 byte/s: the burst is all there is. A ~900-byte publish to 2 subscribers costs ~1.8 kB, to 5 ~4.5 kB.
    const t = await startRoomwire({ maxFrameBytes: 1_000, hardMaxFrameBytes: 4_000, byteBurst: 4_000, bytesPerSecond: 1 });
    const subs = await Promise.all(Array.from({ length: 5 }, () => YClient.connect(t.yUrl)));
    const [a, b] = subs as [YClient, YClient];
    a.subscribe('two');
    b.subscribe('two');
    for (const s of subs) s.subscribe('five');
    await Promise.all(subs.map((s) => s.sync()));
    const data = 'd'.repeat(850);
    a.send({ type: 'publish', topic: 'five', data });
    await a.nextError('rate-limited');
    a.send({ type: 'publish', topic: 'two', data });
    expect(await b.nextPublish('two')).toMatchObject({ clients: 2 });
    await Promise.all(subs.map((s) => s.sync()));
    expect(subs.flatMap(publishes)).toEqual([expect.objectContaining({ topic: 'two' })]); // a's own copy of 'two'
    await Promise.all(subs.map((s) => s.close()));
    await t.hub.close();
  });

  it('cuts off a subscriber that falls more than maxBufferedBytes behind with 4008; the topic carries on', async () => {
    const t = await startRoomwire({ maxBufferedBytes: 256 * 1024, bytesPerSecond: 256 * 1024 * 1024, byteBurst: 256 * 1024 * 1024, messagesPerSecond: 10_000, messageBurst: 10_000 });
    const [publisher, slow] = await Promise.all([YClient.connect(t.yUrl), YClient.connect(t.yUrl)]);
    slow.subscribe('flood');
    await slow.sync();
    slow.ws.pause(); // stops reading: the kernel buffers fill, then the hub's
    const chunk = 'c'.repeat(60_000);
    for (let i = 0; i < 390; i++) publisher.send({ type: 'publish', topic: 'flood', data: chunk });
    await publisher.sync();
    slow.ws.resume();
    expect((await slow.closed).code).toBe(4008);
    const late = await YClient.connect(t.yUrl);
    late.subscribe('flood');
    await untilClients(late, 'flood', 1);
    publisher.send({ type: 'publish', topic: 'flood', data: 'after' });
    expect(await late.nextPublish('flood')).toMatchObject({ data: 'after', clients: 1 });
    await Promise.all([publisher.close(), late.close()]);
    await t.hub.close();
  });

  it('upgrades: Origin checked, per-address limits shared with /ws, yWebrtcMaxConnections, 404 when off', async () => {
    const t = await startRoomwire({ allowedOrigins: ['https://app.example'], maxConnectionsPerAddress: 2, yWebrtcMaxConnections: 2 });
    const from = (address: string): WebSocket.ClientOptions => ({ localAddress: address });
    expect(await upgradeStatus(t.yUrl, { origin: 'https://evil.example' })).toBe(403);
    const a = await YClient.connect(t.yUrl, { origin: 'https://app.example' });
    const roomSocket = new WebSocket(t.url); // 127.0.0.1's second socket, on /ws
    await new Promise((resolve) => roomSocket.once('message', resolve));
    expect(await upgradeStatus(t.yUrl)).toBe(429); // open connections of the address, both paths together
    const b = await YClient.connect(t.yUrl, from('127.0.0.2')); // no Origin: not a browser
    expect(await upgradeStatus(t.yUrl, from('127.0.0.3'))).toBe(503); // yWebrtcMaxConnections
    await a.close();
    const c = await YClient.connect(t.yUrl, from('127.0.0.3'));
    roomSocket.close();
    await Promise.all([b.close(), c.close(), new Promise((resolve) => roomSocket.once('close', resolve))]);
    await t.hub.close();

    const off = await startHub();
    expect(await upgradeStatus(`ws://127.0.0.1:${off.port}/y-webrtc`)).toBe(404);
    await off.hub.close();
  });

  it('heartbeat: a socket that does not answer a ping is dropped within two intervals, and loses its topics', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const t = await startRoomwire({ heartbeatIntervalMs: 5_000 });
      const alive = await YClient.connect(t.yUrl);
      const dead = await YClient.connect(t.yUrl, { autoPong: false });
      alive.subscribe('doc');
      dead.subscribe('doc');
      await Promise.all([alive.sync(), dead.sync()]);
      const pinged = [alive, dead].map((c) => new Promise((resolve) => c.ws.once('ping', resolve)));
      vi.advanceTimersByTime(5_000);
      await Promise.all(pinged);
      await alive.sync(); // its pong went before this ping
      vi.advanceTimersByTime(5_000);
      expect((await dead.closed).code).toBe(1006);
      alive.send({ type: 'publish', topic: 'doc', data: 1 });
      expect(await alive.nextPublish('doc')).toMatchObject({ clients: 1 });
      await alive.close();
      await t.hub.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('metrics count sockets, topics, messages and published bytes; close ends the sockets with 1001', async () => {
    const t = await startRoomwire();
    const [a, b] = await Promise.all([YClient.connect(t.yUrl), YClient.connect(t.yUrl)]);
    a.subscribe('m1', 'm2');
    b.subscribe('m2');
    await Promise.all([a.sync(), b.sync()]);
    b.send({ type: 'unsubscribe', topics: ['m2'] });
    b.subscribe('m3');
    a.send({ type: 'publish', topic: 'm1', data: 'x' });
    const published = await a.nextPublish('m1');
    a.sendRaw('oops');
    await a.nextError('bad-json');
    await b.sync();
    const samples = parsePrometheus(await (await fetch(`${t.httpUrl}/metrics`)).text());
    expect(valueOf(samples, 'roomwire_y_webrtc_connections')).toBe(2);
    expect(valueOf(samples, 'roomwire_y_webrtc_topics', { kind: 'topics' })).toBe(3); // m2 kept by a; m3 new
    expect(valueOf(samples, 'roomwire_y_webrtc_topics', { kind: 'subscriptions' })).toBe(3);
    expect(valueOf(samples, 'roomwire_y_webrtc_messages_in_total', { type: 'subscribe' })).toBe(3);
    expect(valueOf(samples, 'roomwire_y_webrtc_messages_in_total', { type: 'publish' })).toBe(1);
    expect(valueOf(samples, 'roomwire_y_webrtc_published_bytes_total')).toBe(JSON.stringify(published).length);
    expect(valueOf(samples, 'roomwire_errors_total', { code: 'bad-json' })).toBe(1);
    expect(valueOf(samples, 'roomwire_connections')).toBe(2); // open WebSockets, both paths
    await t.hub.close();
    expect((await a.closed).code).toBe(1001);
    expect((await b.closed).code).toBe(1001);
  });
});

describe('real yjs and y-webrtc in three Chromium pages', () => {
  let browser: Browser;
  let site: YPageServer;
  beforeAll(async () => {
    [browser, site] = await Promise.all([launchChromium(), serveYjsPage()]);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  it.each<Kind>(['roomwire', 'original'])('a shared Y.Text converges over WebRTC, signaled through %s', async (kind) => {
    // The pages come from their own origin, as a Yjs app would: roomwire is told to allow it.
    const target = await startTarget(kind, { allowedOrigins: [site.origin] });
    const pages: Page[] = [];
    try {
      for (let i = 0; i < 3; i++) pages.push(await openPage(browser, site.url));
      await yPage.start(pages[0]!, target.url, 'doc-room');
      await yPage.insert(pages[0]!, '[zero before the others came]');
      for (const page of pages.slice(1)) await yPage.start(page, target.url, 'doc-room');
      // Separate browser contexts share no BroadcastChannel: each page reaches the two others by WebRTC only.
      for (const page of pages) {
        await expect.poll(async () => (await yPage.state(page)).webrtcConnected.length, { timeout: 20_000 }).toBe(2);
        expect(await yPage.state(page)).toMatchObject({ signalingConnected: true, bcConns: 0 });
      }
      const ids = await Promise.all(pages.map(async (p) => (await yPage.state(p)).peerId));
      for (const [i, page] of pages.entries()) {
        expect((await yPage.state(page)).webrtcConnected.sort()).toEqual(ids.filter((_, j) => j !== i).sort());
      }
      await Promise.all(pages.map((page, i) => yPage.insert(page, `[edit ${i}]`)));
      const texts = async () => Promise.all(pages.map((p) => yPage.text(p)));
      await expect.poll(async () => new Set(await texts()).size, { timeout: 10_000 }).toBe(1);
      const [text] = await texts();
      for (const piece of ['[zero before the others came]', '[edit 0]', '[edit 1]', '[edit 2]']) expect(text).toContain(piece);
      expect(text!.length).toBe('[zero before the others came]'.length + 3 * '[edit 0]'.length);
      expect(pages.flatMap((p) => (p as Page & { errors: string[] }).errors)).toEqual([]);
    } finally {
      for (const page of pages) await page.context().close();
      await target.close();
    }
  }, 90_000);
});

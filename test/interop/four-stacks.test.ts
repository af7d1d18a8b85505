/**
 * One room, four WebRTC stacks: the Go peer (pion), the Python peer (aiortc), `roomwire bot` (werift) and a
 * Chromium page using the hub's /roomwire.js. Every pair connects directly, every message reaches every
 * other member once and in order (one of them over 64 KiB, so chunked), and each side reports its paths.
 */
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BotEvent } from '../../src/bots/bot-events.ts';
import { BotProcess, isEvent } from '../helpers/bot-process.ts';
import { launchChromium, openPage } from '../helpers/browser.ts';
import { GO_BUILD_TIMEOUT_MS, buildGoPeer, runGoPeer } from '../helpers/go-peer.ts';
import { startHub, type TestHub } from '../helpers/hub.ts';

const PYTHON_PEER = ['/usr/bin/python3', fileURLToPath(new URL('../../clients/python/roomwire_peer.py', import.meta.url))];
const ROOM = 'four-stacks';
const COUNT = 5;
/** ~90 KB whose parts all differ: a lost, repeated or reordered chunk shows. */
const big = (who: string) => `${who}-big:` + Array.from({ length: 24_000 }, (_, i) => i.toString(36)).join('.');
const expected = (who: string) => [...Array.from({ length: COUNT }, (_, i) => `${who}-${i}`), big(who)];

let t: TestHub;
let goBinary: string;
let browser: Browser;
const processes: BotProcess[] = [];

beforeAll(async () => {
  [goBinary, t, browser] = await Promise.all([buildGoPeer(), startHub(), launchChromium()]);
}, GO_BUILD_TIMEOUT_MS);
afterAll(async () => {
  for (const p of processes) p.kill();
  await browser?.close();
  await t?.hub.close();
});

/** The page: the room client from the hub's own /roomwire.js, joined, collecting messages. */
async function chromiumPeer(): Promise<Page & { errors: string[] }> {
  const page = await openPage(browser, `${t.httpUrl}/`);
  // A string, not a function: vitest would rewrite a function's import() for Node.
  await page.evaluate(`(async () => {
    const { RoomClient } = await import('/roomwire.js');
    const client = new RoomClient({ url: ${JSON.stringify(t.url)} });
    await client.connect();
    const room = await client.join(${JSON.stringify(ROOM)}, { name: 'chromium' });
    window.got = [];
    room.on('message', (m) => window.got.push({ from: m.from, data: m.data }));
    window.room = room;
    window.peerId = client.peerId;
  })()`);
  return page;
}

const messagesFrom = (p: BotProcess, from: string) =>
  p.events.filter((e): e is Extract<BotEvent, { event: 'message' }> => e.event === 'message' && e.from === from).map((e) => e.data);

async function untilTrue(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('Go, Python, werift and Chromium in one room', () => {
  it('connect pairwise directly and deliver every message once, in order, a chunked one included', async () => {
    const go = runGoPeer(goBinary, ['--url', t.url, '--room', ROOM, '--name', 'go']);
    const py = new BotProcess(['--url', t.url, '--room', ROOM, '--name', 'python'], PYTHON_PEER);
    const bot = new BotProcess(['--url', t.url, '--room', ROOM, '--name', 'werift']);
    processes.push(go, py, bot);
    const ids: Record<string, string> = {};
    for (const [name, p] of [['go', go], ['python', py], ['werift', bot]] as const) ids[name] = (await p.event(isEvent('joined'), `${name} joined`, 30_000)).peerId;
    const page = await chromiumPeer();
    ids.chromium = await page.evaluate(() => (window as unknown as { peerId: string }).peerId);

    // Every side reports `direct` to each of the three others.
    const processesByName = { go, python: py, werift: bot };
    for (const [name, p] of Object.entries(processesByName)) {
      for (const other of Object.keys(ids).filter((n) => n !== name)) {
        await p.event(isEvent('path-change', (e) => e.peerId === ids[other] && e.path === 'direct'), `${name} direct to ${other}`, 45_000);
      }
    }
    await untilTrue(() => page.evaluate(() => {
      const room = (window as unknown as { room: { peers(): { path: string }[] } }).room;
      return room.peers().length === 3 && room.peers().every((p) => p.path === 'direct');
    }), 'chromium direct to all three');

    // Each sends its numbered lines and one big line; the page does the same through its room.
    for (const [name, p] of Object.entries(processesByName)) for (const line of expected(name)) p.type(line);
    await page.evaluate((lines) => {
      const room = (window as unknown as { room: { send(d: string): void } }).room;
      for (const line of lines) room.send(line);
    }, expected('chromium'));

    for (const [name, p] of Object.entries(processesByName)) {
      for (const other of Object.keys(ids).filter((n) => n !== name)) {
        await untilTrue(() => messagesFrom(p, ids[other]!).length >= COUNT + 1, `${name} got ${other}'s messages`);
        expect(messagesFrom(p, ids[other]!), `${name} from ${other}`).toEqual(expected(other));
      }
      // ... and they came by DataChannel
      expect(p.events.filter((e) => e.event === 'message').every((e) => (e as { path: string }).path === 'direct')).toBe(true);
    }
    for (const other of ['go', 'python', 'werift']) {
      await untilTrue(async () => (await page.evaluate((from) => (window as unknown as { got: { from: string }[] }).got.filter((m) => m.from === from).length, ids[other]!)) >= COUNT + 1, `chromium got ${other}'s messages`);
      expect(await page.evaluate((from) => (window as unknown as { got: { from: string; data: string }[] }).got.filter((m) => m.from === from).map((m) => m.data), ids[other]!), `chromium from ${other}`)
        .toEqual(expected(other));
    }
    expect(page.errors).toEqual([]);
  }, 120_000);
});

/**
 * The demo page in real headless Chromium against a real hub: P2P chat, Chrome <-> werift interop, the
 * relay-only mode, a 1 MiB file, and a reload. Screenshots land in test-artifacts/ (not committed).
 */
import { createHash } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoomClient } from '../../src/client/room-client.ts';
import { RECEIVE_LIMITS } from '../../src/page/file-receiver.ts';
import { encodeChunk } from '../../src/page/file-transfer.ts';
import { KEEP_FILE_URLS } from '../../src/page/file-urls.ts';
import { launchChromium, openPage, pathOf, screenshot } from '../helpers/browser.ts';
import { startHub, type TestHub } from '../helpers/hub.ts';
import { collect, connectClient, until, untilPaths } from '../helpers/room-clients.ts';

let t: TestHub;
let browser: Browser;
const clients: RoomClient[] = [];
beforeAll(async () => {
  t = await startHub();
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  for (const c of clients) c.close();
  await browser?.close();
  await t?.hub.close();
});

const url = (query: string) => `${t.httpUrl}/?${query}`;

async function say(page: Page, text: string, toName?: string): Promise<void> {
  if (toName !== undefined) {
    const value = await page.locator(`[data-testid="peer-entry"][data-name="${toName}"]`).getAttribute('data-peer-id');
    await page.getByTestId('target-select').selectOption(value!);
  } else {
    await page.getByTestId('target-select').selectOption('');
  }
  await page.getByTestId('message-input').fill(text);
  await page.getByTestId('send-button').click();
}

const entry = (page: Page, text: string) => page.locator('[data-testid="log-entry"]', { hasText: text });

describe('the demo page', () => {
  it('two pages in one room chat peer to peer over a direct path', async () => {
    const ann = await openPage(browser, url('room=duo&name=ann'));
    const bob = await openPage(browser, url('room=duo&name=bob'));
    await expect.poll(() => pathOf(ann, 'bob'), { timeout: 20_000 }).toBe('direct');
    await expect.poll(() => pathOf(bob, 'ann'), { timeout: 20_000 }).toBe('direct');
    await say(ann, 'hello bob');
    await say(bob, 'psst ann', 'ann');
    await entry(bob, 'hello bob').waitFor();
    await entry(ann, 'psst ann').waitFor();
    expect(await entry(bob, 'hello bob').getAttribute('data-path')).toBe('direct');
    expect(await entry(ann, 'psst ann').getAttribute('data-kind')).toBe('whisper');
    expect(await ann.getByTestId('status-signaling').getAttribute('data-state')).toBe('open');
    await expect.poll(() => ann.locator('[data-testid="map-link"][data-path="direct"]').count()).toBe(1);
    await screenshot(ann, 'two-pages-direct');
    expect([...ann.errors, ...bob.errors]).toEqual([]);
    await ann.context().close();
    await bob.context().close();
  }, 60_000);

  it('a page and a werift client exchange messages both ways (Chrome <-> werift)', async () => {
    const page = await openPage(browser, url('room=interop&name=chrome'));
    const werift = await connectClient(t.url);
    clients.push(werift);
    const room = await werift.join('interop', { name: 'werift' });
    const inbox = collect(room);
    await untilPaths(room, 1, ['direct'], 20_000);
    await expect.poll(() => pathOf(page, 'werift'), { timeout: 20_000 }).toBe('direct');
    room.send('hello from werift');
    await entry(page, 'hello from werift').waitFor();
    await say(page, 'hello from chrome');
    await until(() => inbox.some((m) => m.data === 'hello from chrome'), 'werift gets the page message');
    expect(inbox[0]).toMatchObject({ path: 'direct', whisper: false });
    await screenshot(page, 'chrome-werift');
    await page.context().close();
    werift.close();
  }, 60_000);

  it('a ?p2p=0 page chats with a P2P page over the hub relay', async () => {
    const relayOnly = await openPage(browser, url('room=mixed&name=relayonly&p2p=0'));
    const normal = await openPage(browser, url('room=mixed&name=normal'));
    await expect.poll(() => pathOf(normal, 'relayonly'), { timeout: 20_000 }).toBe('relay');
    await expect.poll(() => pathOf(relayOnly, 'normal'), { timeout: 20_000 }).toBe('relay');
    await say(relayOnly, 'via the hub');
    await say(normal, 'and back');
    await entry(normal, 'via the hub').waitFor();
    await entry(relayOnly, 'and back').waitFor();
    expect(await entry(normal, 'via the hub').getAttribute('data-path')).toBe('relay');
    await screenshot(normal, 'relay-only');
    await relayOnly.context().close();
    await normal.context().close();
  }, 60_000);

  it('a 1 MiB file arrives byte for byte, with progress on both ends', async () => {
    const sender = await openPage(browser, url('room=files&name=sender'));
    const receiver = await openPage(browser, url('room=files&name=receiver'));
    await expect.poll(() => pathOf(sender, 'receiver'), { timeout: 20_000 }).toBe('direct');
    const bytes = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + (i >> 8)) & 0xff;
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    await sender.getByTestId('file-input').setInputFiles({ name: 'one-mebibyte.bin', mimeType: 'application/octet-stream', buffer: bytes });
    await sender.getByTestId('send-file-button').click();
    const got = receiver.locator('[data-testid="log-entry"][data-kind="file"]');
    await expect.poll(() => got.getAttribute('data-intact'), { timeout: 30_000 }).toBe('true');
    expect(await got.getAttribute('data-sha256')).toBe(sha256);
    expect(await got.getByTestId('file-progress').evaluate((el) => (el as HTMLProgressElement).value)).toBe(1);
    await expect.poll(() => sender.getByTestId('file-progress').evaluate((el) => (el as HTMLProgressElement).value), { timeout: 30_000 }).toBe(1);
    await screenshot(receiver, 'file-received');
    await sender.context().close();
    await receiver.context().close();
  }, 90_000);

  it('refuses a file announced larger than it accepts, and keeps only the last files downloadable', async () => {
    const page = await openPage(browser, url('room=bounded&name=receiver'));
    const sender = await connectClient(t.url, { p2p: false });
    clients.push(sender);
    const room = await sender.join('bounded', { name: 'sender' });
    await until(() => room.members.size === 1, 'the page is in the room');
    const fileLine = (id: string) => page.locator(`[data-testid="log-entry"][data-kind="file"][data-file-id="${id}"]`);
    room.send(JSON.stringify({ t: 'file-start', id: 'huge0000', name: 'huge.bin', size: RECEIVE_LIMITS.maxFileBytes + 1, mime: 'application/octet-stream' }));
    room.send(encodeChunk('huge0000', new Uint8Array(1024)));
    await expect.poll(() => fileLine('huge0000').getAttribute('data-failed'), { timeout: 20_000 }).toContain('larger than');
    // one more small file than the page keeps: the first one's blob URL is revoked
    const files = KEEP_FILE_URLS + 1;
    for (let i = 0; i < files; i++) {
      const id = `small${String(i).padStart(3, '0')}`;
      const bytes = new Uint8Array([i, i, i]);
      room.send(JSON.stringify({ t: 'file-start', id, name: `${id}.bin`, size: 3, mime: 'application/octet-stream' }));
      room.send(encodeChunk(id, bytes));
      room.send(JSON.stringify({ t: 'file-end', id, sha256: createHash('sha256').update(bytes).digest('hex') }));
    }
    await expect.poll(() => fileLine(`small${String(files - 1).padStart(3, '0')}`).getAttribute('data-intact'), { timeout: 20_000 }).toBe('true');
    expect(await fileLine('small000').getAttribute('data-expired')).toBe('true');
    expect(await fileLine('small001').getAttribute('data-expired')).toBeNull();
    expect(await page.getByTestId('file-download').count()).toBe(KEEP_FILE_URLS);
    expect(page.errors).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('a reload comes back without leaving a stale duplicate peer in the other page', async () => {
    const stay = await openPage(browser, url('room=reload&name=stay'));
    const reloader = await openPage(browser, url('room=reload&name=reloader'));
    await expect.poll(() => pathOf(stay, 'reloader'), { timeout: 20_000 }).toBe('direct');
    const before = await stay.locator('[data-testid="peer-entry"][data-name="reloader"]').getAttribute('data-peer-id');
    await reloader.reload();
    await expect.poll(async () => {
      const ids = await stay.locator('[data-testid="peer-entry"][data-name="reloader"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-peer-id')));
      return ids.length === 1 && ids[0] !== before;
    }, { timeout: 20_000 }).toBe(true);
    expect(await stay.locator('[data-testid="peer-entry"]').count()).toBe(1);
    await expect.poll(() => pathOf(stay, 'reloader'), { timeout: 20_000 }).toBe('direct');
    await say(reloader, 'back again');
    await entry(stay, 'back again').waitFor();
    await screenshot(stay, 'after-reload');
    await stay.context().close();
    await reloader.context().close();
  }, 60_000);

  it('reads on a phone-sized screen', async () => {
    const phone = await openPage(browser, url('room=phone&name=pocket'), { width: 390, height: 844 });
    const other = await connectClient(t.url);
    clients.push(other);
    await other.join('phone', { name: 'desk' });
    await expect.poll(() => pathOf(phone, 'desk'), { timeout: 20_000 }).toBe('direct');
    await screenshot(phone, 'phone');
    const width = await phone.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390); // nothing forces sideways scrolling
    await phone.context().close();
    other.close();
  }, 60_000);
});

describe('the demo page in a star room', () => {
  it('shows the topology and the "via server peer" path, and chats through the server peer', async () => {
    const { ServerPeer } = await import('../../src/server-peer/server-peer.ts');
    const hub = await startHub({ serverPeerSecret: 'page-star-xxxxxxxxxxxxxxxxxxxxxxx', meshLimit: 1 });
    const peer = new ServerPeer({ url: hub.url, secret: 'page-star-xxxxxxxxxxxxxxxxxxxxxxx', rooms: [], historySize: 10, name: 'server' });
    await peer.start();
    try {
      const early = await connectClient(hub.url);
      clients.push(early);
      const earlyRoom = await early.join('galaxy', { name: 'early' });
      const inbox = collect(earlyRoom);
      await until(() => [...earlyRoom.members.values()].some((p) => p.role === 'server'), 'the server peer is in the room');
      earlyRoom.send('said before you came');
      earlyRoom.send('/help'); // answered only after the server peer has the message above
      await until(() => inbox.some((m) => typeof m.data === 'string' && m.data.includes('/who')), 'the server peer has it');
      const page = await openPage(browser, `${hub.httpUrl}/?room=galaxy&name=browser`);
      await expect.poll(() => page.getByTestId('topology').getAttribute('data-topology'), { timeout: 20_000 }).toBe('star');
      await expect.poll(() => pathOf(page, 'early'), { timeout: 20_000 }).toBe('star');
      await expect.poll(() => pathOf(page, 'server'), { timeout: 20_000 }).toBe('direct');
      await page.locator('[data-testid="log-entry"][data-kind="history"]', { hasText: 'said before you came' }).waitFor();
      await say(page, 'hello through the star');
      await until(() => inbox.some((m) => m.data === 'hello through the star' && m.path === 'star'), 'werift gets it via the server peer');
      earlyRoom.send('and back');
      await page.locator('[data-testid="log-entry"][data-path="star"]', { hasText: 'and back' }).waitFor();
      await screenshot(page, 'star-room');
      await page.context().close();
    } finally {
      await peer.close();
      await hub.hub.close();
    }
  }, 60_000);
});

/**
 * The admin page (/admin/) in real headless Chromium against a real hub with an admin token and real room
 * clients in two rooms: the token prompt and its 401 state, rooms with members and link paths, the charts,
 * kick, close, drain, and a hub that stops answering. Screenshots at 1280 and 390 px go to a temp dir.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoomClient } from '../../src/client/room-client.ts';
import type { Room } from '../../src/client/room.ts';
import { MAX_ROOMS_SHOWN } from '../../src/admin-page/rooms-view.ts';
import { launchChromium, openPage } from '../helpers/browser.ts';
import { startHub, type TestHub } from '../helpers/hub.ts';
import { connectClient, untilPaths } from '../helpers/room-clients.ts';
import { TestClient } from '../helpers/test-client.ts';

const TOKEN = 'admin-page-token-admin-page-token-0123456789';
const NODE = 'hub-admin-test';
const SHOTS = join(tmpdir(), 'roomwire-admin-page');
const TOKEN_KEY = 'roomwire-admin-token';

let t: TestHub;
let browser: Browser;
const clients: RoomClient[] = [];
const rooms = new Map<string, Room>();

async function member(url: string, room: string, name: string, p2p: boolean): Promise<RoomClient> {
  const client = await connectClient(url, { p2p });
  clients.push(client);
  rooms.set(name, await client.join(room, { name }));
  return client;
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // Short stats samples, so the charts have a history within a second or two.
  t = await startHub({ adminToken: TOKEN, nodeId: NODE, statsIntervalMs: 200, resumeGraceMs: 30_000 });
  browser = await launchChromium();
  // "lobby": three relay-only clients (3 relay links); "pair": two werift peers over a direct DataChannel.
  for (const name of ['ann', 'bob', 'cara']) await member(t.url, 'lobby', name, false);
  for (const name of ['dora', 'eve']) await member(t.url, 'pair', name, true);
  await untilPaths(rooms.get('cara')!, 2, ['relay']);
  await untilPaths(rooms.get('dora')!, 1, ['direct'], 20_000);
  await untilPaths(rooms.get('eve')!, 1, ['direct'], 20_000);
  // Some traffic for the messages/s chart.
  for (let i = 0; i < 20; i++) rooms.get('ann')!.send(`hello ${i}`);
}, 60_000);
afterAll(async () => {
  for (const c of clients) c.close();
  await browser?.close();
  await t?.hub.close();
  console.log(`admin page screenshots: ${SHOTS}`);
});

/** The admin page, with a short poll interval, and the console errors a CSP violation would log. */
async function openAdmin(width: number, height: number, hub = t): Promise<Page & { errors: string[]; csp: string[] }> {
  const page = (await openPage(browser, `${hub.httpUrl}/admin/?poll=300`, { width, height })) as Page & { errors: string[]; csp: string[] };
  page.csp = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content.Security.Policy/i.test(m.text())) page.csp.push(m.text());
  });
  return page;
}

async function signIn(page: Page, token = TOKEN): Promise<void> {
  await page.getByTestId('token-input').fill(token);
  await page.getByTestId('token-submit').click();
}

const row = (page: Page, name: string) => page.locator(`[data-testid="member-row"][data-name="${name}"]`);
const card = (page: Page, room: string) => page.locator(`[data-testid="room-card"][data-room="${room}"]`);
const count = (page: Page, path: string) => page.getByTestId(`link-count-${path}`).getAttribute('data-count');

async function shoot(page: Page, name: string, fullPage = true): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
}

/** Nothing wider than the viewport: no sideways scrolling. */
const scrollWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);

describe('the admin page', () => {
  it('asks for the token, shows the 401 state for a wrong one, then rooms, members, link paths and charts', async () => {
    const page = await openAdmin(1280, 900);
    await page.getByTestId('token-form').waitFor();
    expect(await page.getByTestId('dashboard').isHidden()).toBe(true);

    await signIn(page, 'not-the-token-not-the-token-not-the-token');
    await expect.poll(() => page.getByTestId('token-error').textContent()).toContain('401');
    expect(await page.getByTestId('admin-status').getAttribute('data-state')).toBe('unauthorized');
    expect(await page.evaluate((k) => sessionStorage.getItem(k), TOKEN_KEY)).toBeNull();
    await shoot(page, 'desktop-401');

    await signIn(page);
    await page.getByTestId('dashboard').waitFor();
    expect(await page.getByTestId('token-form').isHidden()).toBe(true);
    expect(await page.getByTestId('room-card').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-room')))).toEqual(['lobby', 'pair']);
    expect(await card(page, 'lobby').getByTestId('member-row').count()).toBe(3);

    // Every member with its short peer id, role, node and state; each link with its path.
    const ann = clients[0]!;
    const bob = clients[1]!;
    expect(await row(page, 'ann').getByTestId('member-peer-id').textContent()).toBe(ann.peerId.slice(0, 8));
    expect(await row(page, 'ann').getByTestId('member-role').textContent()).toBe('peer');
    expect(await row(page, 'ann').getByTestId('member-node').textContent()).toBe(NODE);
    expect(await row(page, 'ann').getByTestId('member-state').textContent()).toBe('connected');
    await expect.poll(() => row(page, 'ann').locator(`[data-testid="member-link"][data-mate="${bob.peerId}"]`).getAttribute('data-path')).toBe('relay');
    await expect.poll(() => row(page, 'dora').locator('[data-testid="member-link"]').getAttribute('data-path')).toBe('direct');
    expect(await row(page, 'dora').locator('[data-testid="member-link"]').textContent()).toContain('eve');
    await expect.poll(() => card(page, 'lobby').locator('[data-testid="room-link-count"][data-path="relay"]').getAttribute('data-count')).toBe('3');
    await expect.poll(() => card(page, 'pair').locator('[data-testid="room-link-count"][data-path="direct"]').getAttribute('data-count')).toBe('1');

    // The hub-wide figure: links by path, each counted once.
    await expect.poll(() => count(page, 'relay')).toBe('3');
    expect(await count(page, 'direct')).toBe('1');
    expect(await count(page, 'turn')).toBe('0');
    expect(await page.getByTestId('p2p-share').textContent()).toContain('1 of 4 links peer to peer');

    // The charts draw the history (a sample every 200 ms).
    await expect.poll(async () => Number(await page.getByTestId('chart-connections').getAttribute('data-points')), { timeout: 10_000 }).toBeGreaterThanOrEqual(5);
    const line = await page.getByTestId('chart-connections').getByTestId('sparkline').getAttribute('points');
    expect(line!.split(' ').length).toBeGreaterThanOrEqual(5);
    expect(await page.getByTestId('connections-now').textContent()).toBe('5');
    expect(Number(await page.getByTestId('chart-messages').getAttribute('data-points'))).toBeGreaterThanOrEqual(5);
    expect(await page.getByTestId('node-name').textContent()).toBe(`node ${NODE}`);
    expect(await page.getByTestId('figure-sessions').textContent()).toBe('5');

    // The token lives in this tab's sessionStorage only, never in localStorage or the URL.
    expect(await page.evaluate((k) => sessionStorage.getItem(k), TOKEN_KEY)).toBe(TOKEN);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(page.url()).not.toContain(TOKEN);

    expect(await scrollWidth(page)).toBeLessThanOrEqual(1280);
    await shoot(page, 'desktop-1280');
    expect(page.errors).toEqual([]);
    expect(page.csp).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('reads on a phone (390 px) without sideways scrolling', async () => {
    const page = await openAdmin(390, 844);
    await signIn(page);
    await expect.poll(() => row(page, 'dora').locator('[data-testid="member-link"]').getAttribute('data-path')).toBe('direct');
    await expect.poll(async () => Number(await page.getByTestId('chart-messages').getAttribute('data-points'))).toBeGreaterThanOrEqual(5);
    expect(await scrollWidth(page)).toBeLessThanOrEqual(390);
    await shoot(page, 'phone-390');
    await page.getByTestId('drain-button').click();
    await page.getByTestId('confirm-dialog').waitFor();
    await shoot(page, 'phone-390-drain-dialog', false); // the modal covers the viewport
    await page.getByTestId('confirm-cancel').click();
    expect(page.errors).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('kicks a member after a confirmation: the client ends with 4003 and the row goes', async () => {
    const page = await openAdmin(1280, 900);
    await signIn(page);
    const cara = clients[2]!;
    const ended = new Promise<{ code: number }>((resolve) => cara.on('ended', resolve));
    await row(page, 'cara').getByTestId('kick-button').click();
    expect(await page.getByTestId('confirm-title').textContent()).toBe('Kick cara?');
    await page.getByTestId('confirm-cancel').click(); // cancelling does nothing
    await page.waitForTimeout(400);
    expect(cara.signalingState).toBe('open');
    await row(page, 'cara').getByTestId('kick-button').click();
    await page.getByTestId('confirm-ok').click();
    expect((await ended).code).toBe(4003);
    await row(page, 'cara').waitFor({ state: 'detached' });
    expect(await page.getByTestId('notice').textContent()).toContain('Kicked cara');
    expect(await card(page, 'lobby').getByTestId('member-row').count()).toBe(2);

    // Someone else kicks eve while this page asks: the page says why its own kick failed, and keeps saying it.
    const eve = clients[4]!;
    await row(page, 'eve').getByTestId('kick-button').click();
    const res = await fetch(`${t.httpUrl}/admin/api/rooms/pair/peers/${eve.peerId}/kick`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    await page.getByTestId('confirm-ok').click();
    await expect.poll(() => page.getByTestId('notice').getAttribute('data-kind')).toBe('error');
    expect(await page.getByTestId('notice').textContent()).toContain('Could not kick eve');
    expect(await page.getByTestId('notice').textContent()).toContain('404 not-found');
    await row(page, 'eve').waitFor({ state: 'detached' });
    await page.waitForTimeout(700); // two refreshes later
    expect(await page.getByTestId('notice').isVisible()).toBe(true);
    expect(await page.getByTestId('error-banner').isHidden()).toBe(true);
    await page.context().close();
  }, 30_000);

  it('closes a room: it empties and goes from the list; its members stay connected', async () => {
    const page = await openAdmin(1280, 900);
    await signIn(page);
    const closed = new Promise((resolve) => rooms.get('ann')!.on('closed', resolve));
    await card(page, 'lobby').getByTestId('close-room-button').click();
    expect(await page.getByTestId('confirm-title').textContent()).toBe('Close lobby?');
    await page.getByTestId('confirm-ok').click();
    expect(await closed).toEqual({ reason: 'room-closed' });
    await card(page, 'lobby').waitFor({ state: 'detached' });
    expect(await page.getByTestId('notice').textContent()).toContain('2 removed');
    expect((await (await fetch(`${t.httpUrl}/admin/api/rooms`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()).rooms.map((r: { room: string }) => r.room)).toEqual(['pair']);
    expect(clients[0]!.signalingState).toBe('open');
    await page.context().close();
  }, 30_000);

  it('keeps the token across a reload of the tab, asks again in a new tab and when it stops working, and will not run in a frame', async () => {
    const page = await openAdmin(1280, 900);
    await signIn(page);
    await page.getByTestId('dashboard').waitFor();
    await page.reload();
    await page.getByTestId('dashboard').waitFor();
    expect(await page.getByTestId('token-form').isHidden()).toBe(true);

    const other = await openAdmin(1280, 900); // its own context: its own sessionStorage
    await other.getByTestId('token-form').waitFor();
    await other.context().close();

    // A saved token the hub no longer takes (say, it restarted with another): back to the prompt, with why.
    await page.evaluate((k) => sessionStorage.setItem(k, 'rotated-rotated-rotated-rotated-rotated'), TOKEN_KEY);
    await page.reload();
    await expect.poll(() => page.getByTestId('token-error').textContent()).toContain('401');
    expect(await page.getByTestId('dashboard').isHidden()).toBe(true);
    // /admin without the slash lands on the page too
    await page.goto(`${t.httpUrl}/admin`);
    expect(new URL(page.url()).pathname).toBe('/admin/');
    await page.getByTestId('token-form').waitFor();

    // Inside a frame it refuses to run (a framing page could steer a click onto Kick or Drain).
    await page.goto(`${t.httpUrl}/healthz`); // a parent without the admin page's CSP (which frames nothing)
    await page.setContent(`<iframe src="${t.httpUrl}/admin/"></iframe>`);
    const frame = page.frames()[1]!;
    await expect.poll(() => frame.locator('body').textContent()).toContain('does not work inside a frame');
    await page.context().close();
  }, 30_000);
});

describe('the admin page against a hub that drains and goes away', () => {
  it('drains only after the node name is typed, shows draining, then a clear error when the hub is gone', async () => {
    const hub = await startHub({ adminToken: TOKEN, nodeId: 'doomed-hub', statsIntervalMs: 200, drainTimeoutMs: 2_000 });
    try {
      const client = await connectClient(hub.url, { p2p: false });
      clients.push(client);
      await client.join('last', { name: 'zed' });
      const page = await openAdmin(1280, 900, hub);
      await signIn(page);
      await card(page, 'last').waitFor();

      await page.getByTestId('drain-button').click();
      expect(await page.getByTestId('confirm-ok').isDisabled()).toBe(true);
      await page.getByTestId('confirm-input').fill('doomed');
      expect(await page.getByTestId('confirm-ok').isDisabled()).toBe(true);
      await page.getByTestId('confirm-input').fill('doomed-hub');
      await page.getByTestId('confirm-ok').click();
      await page.getByTestId('draining-badge').waitFor();
      expect(await page.getByTestId('admin-status').getAttribute('data-state')).toBe('draining');
      expect(await page.getByTestId('drain-button').isDisabled()).toBe(true);
      expect((await fetch(`${hub.httpUrl}/readyz`)).status).toBe(503);
      await shoot(page, 'desktop-draining');

      await hub.hub.close();
      await expect.poll(() => page.getByTestId('admin-status').getAttribute('data-state'), { timeout: 10_000 }).toBe('error');
      expect(await page.getByTestId('error-banner').textContent()).toMatch(/Could not refresh .*: .*fetch/i);
      expect(await page.getByTestId('dashboard').isVisible()).toBe(true); // the last figures stay, dimmed
      expect(await page.getByTestId('dashboard').getAttribute('data-stale')).toBe('');
      await shoot(page, 'desktop-unreachable');
      expect(page.errors).toEqual([]);
      await page.context().close();
    } finally {
      await hub.hub.close();
    }
  }, 30_000);
});


describe('the admin page on a hub without an admin token', () => {
  it('says the admin API is off (404), with the hub\'s own words', async () => {
    const hub = await startHub();
    try {
      const page = await openAdmin(390, 844, hub);
      await signIn(page);
      await expect.poll(() => page.getByTestId('error-banner').textContent()).toContain('404 not-found: the admin API is off (no --admin-token)');
      expect(await page.getByTestId('admin-status').textContent()).toBe('HTTP 404');
      expect(await page.getByTestId('dashboard').isHidden()).toBe(true);
      expect(await scrollWidth(page)).toBeLessThanOrEqual(390);
      await shoot(page, 'phone-390-api-off');
      await page.context().close();
    } finally {
      await hub.hub.close();
    }
  }, 30_000);
});

describe('the admin page on a hub with many rooms', () => {
  it(`draws the first ${MAX_ROOMS_SHOWN} rooms and says how many more there are`, async () => {
    const hub = await startHub({ adminToken: TOKEN, maxRoomsPerConnection: MAX_ROOMS_SHOWN + 10, joinBurstPerAddress: 1_000 });
    const raw = await TestClient.connect(hub.url);
    try {
      for (let i = 0; i <= MAX_ROOMS_SHOWN; i++) await raw.join(`room-${String(i).padStart(3, '0')}`, 'solo');
      const page = await openAdmin(1280, 900, hub);
      await signIn(page);
      await page.getByTestId('more-rooms').waitFor();
      expect(await page.getByTestId('room-card').count()).toBe(MAX_ROOMS_SHOWN);
      expect(await page.getByTestId('more-rooms').textContent()).toContain('…and 1 more room');
      expect(await page.getByTestId('room-count').textContent()).toBe(String(MAX_ROOMS_SHOWN + 1));
      expect(page.errors).toEqual([]);
      await page.context().close();
    } finally {
      await raw.close();
      await hub.hub.close();
    }
  }, 30_000);
});

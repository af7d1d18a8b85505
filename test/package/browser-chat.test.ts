/**
 * examples/browser-chat/ in real headless Chromium against a real hub: the page that imports the room
 * client from the hub's /roomwire.js, and the same chat bundled with esbuild from the `roomwire` package.
 * Each joins a room and talks with a werift bot both ways, peer to peer.
 */
import { build } from 'esbuild';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoomClient } from '../../src/client/room-client.ts';
import { launchChromium, openPage, screenshot } from '../helpers/browser.ts';
import { startHub, type TestHub } from '../helpers/hub.ts';
import { collect, connectClient, until, untilPaths } from '../helpers/room-clients.ts';

const EXAMPLE = fileURLToPath(new URL('../../examples/browser-chat/', import.meta.url));

let site: string;
let t: TestHub;
let browser: Browser;
const clients: RoomClient[] = [];

beforeAll(async () => {
  // The example as a user deploys it: its files, and bundled/main.js built from main.ts by esbuild.
  site = mkdtempSync(join(tmpdir(), 'roomwire-browser-chat-'));
  cpSync(EXAMPLE, site, { recursive: true, filter: (source) => !source.endsWith('.ts') });
  await build({ entryPoints: [join(EXAMPLE, 'bundled/main.ts')], outfile: join(site, 'bundled/main.js'), bundle: true, format: 'esm', logLevel: 'warning' });
  t = await startHub({ publicDir: site });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await browser?.close();
  await t?.hub.close();
  rmSync(site, { recursive: true, force: true });
});

describe('examples/browser-chat', () => {
  it.each([
    ['index.html, with the client from the hub at /roomwire.js', '/', 'from-hub'],
    ['bundled/index.html, with the client bundled by esbuild', '/bundled/', 'bundled'],
  ])('%s joins a room and talks with a werift bot', async (_what, path, room) => {
    const bot = await connectClient(t.url);
    clients.push(bot);
    const botRoom = await bot.join(room, { name: 'werift-bot' });
    const inbox = collect(botRoom);
    const page = await openPage(browser, `${t.httpUrl}${path}?room=${room}&name=ann`);
    await expect.poll(() => page.locator('#status').getAttribute('data-joined'), { timeout: 15_000 }).toBe('true');
    await untilPaths(botRoom, 1, ['direct'], 20_000);

    await page.locator('#text').fill('hello bot');
    await page.locator('#composer button').click();
    await until(() => inbox.some((m) => m.data === 'hello bot'), 'the bot hears the page');
    expect(inbox.find((m) => m.data === 'hello bot')).toMatchObject({ path: 'direct', whisper: false });

    botRoom.send('hello page');
    const line = page.locator('#log li', { hasText: 'werift-bot: hello page' });
    await line.waitFor();
    expect(await line.getAttribute('data-path')).toBe('direct');
    await screenshot(page, `browser-chat-${room}`);
    expect(page.errors).toEqual([]);
    await page.context().close();
  }, 60_000);
});

/** Debian's Chromium driven by playwright-core, one isolated context per page, screenshots as artefacts. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const ARTIFACTS = join(process.cwd(), 'test-artifacts');

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic',
      // Host candidates as IP addresses, not mDNS names nothing here resolves.
      '--disable-features=WebRtcHideLocalIpsWithMdns',
      // (playwright gives every launch a fresh, empty profile directory of its own)
    ],
  });
}

/** A page in a fresh context (its own storage), with console errors collected. */
export async function openPage(browser: Browser, url: string, viewport = { width: 1100, height: 760 }): Promise<Page & { errors: string[] }> {
  const context = await browser.newContext({ viewport });
  const page = (await context.newPage()) as Page & { errors: string[] };
  page.errors = [];
  page.on('pageerror', (err) => page.errors.push(err.message));
  await page.goto(url);
  return page;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** The path badge a page shows for the peer called `name`. */
export const pathOf = (page: Page, name: string) =>
  page.locator(`[data-testid="peer-entry"][data-name="${name}"] [data-testid="path-badge"]`).getAttribute('data-path');

/**
 * Pages that run the real `peerjs` client: test/compat/peerjs-page/entry.ts bundled with esbuild and served,
 * with an empty index.html, from a static server of their own on 127.0.0.1 (so the PeerJS server under
 * test is another origin, as for most PeerJS apps). PeerjsPage drives one page through `window.pj`.
 */
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import type { PageEvent, PeerjsPageApi } from '../compat/peerjs-page/entry.ts';
import { openPage } from './browser.ts';

const ENTRY = fileURLToPath(new URL('../compat/peerjs-page/entry.ts', import.meta.url));

export interface PageSite {
  /** http://127.0.0.1:PORT: where the pages come from (their Origin). */
  origin: string;
  close(): Promise<void>;
}

/** Bundles the page script and serves it; one per test file. */
export async function servePeerjsPages(): Promise<PageSite> {
  const bundle = await build({
    entryPoints: [ENTRY], bundle: true, format: 'iife', platform: 'browser', target: ['chrome110'], write: false, logLevel: 'warning',
  });
  const script = bundle.outputFiles[0]!.contents;
  const html = '<!doctype html><meta charset="utf-8"><title>peerjs</title><script src="/peerjs-page.js"></script>';
  const server: Server = createServer((req, res) => {
    if (req.url === '/peerjs-page.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else res.writeHead(200, { 'content-type': 'text/html' }).end(html);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

type Api = PeerjsPageApi;
declare const pj: Api;

/** One page (its own browser context) with PeerJS peers in it. */
export class PeerjsPage {
  private constructor(readonly page: Page & { errors: string[] }) {}

  static async open(browser: Browser, site: PageSite): Promise<PeerjsPage> {
    return new PeerjsPage(await openPage(browser, `${site.origin}/`));
  }

  /** A Peer on the PeerJS server at 127.0.0.1:port, path '/', no STUN or TURN (loopback host candidates). */
  create(name: string, id: string | null, port: number, extra: Record<string, unknown> = {}): Promise<void> {
    const options = { host: '127.0.0.1', port, path: '/', config: { iceServers: [] }, debug: 0, ...extra };
    return this.page.evaluate(([n, i, o]) => pj.create(n, i, o), [name, id, options] as const);
  }

  connect(name: string, to: string): Promise<void> {
    return this.page.evaluate(([n, t]) => pj.connect(n, t), [name, to] as const);
  }

  send(name: string, to: string, data: unknown): Promise<void> {
    return this.page.evaluate(([n, t, d]) => pj.send(n, t, d), [name, to, data] as const);
  }

  call(method: 'disconnect' | 'reconnect' | 'destroy', name: string): Promise<void> {
    return this.page.evaluate(([m, n]) => pj[m](n), [method, name] as const);
  }

  id(name: string): Promise<string> {
    return this.page.evaluate((n) => pj.id(n), name);
  }

  events(key: string): Promise<PageEvent[]> {
    return this.page.evaluate((k) => pj.events(k), key);
  }

  /**
   * Waits for an event `what` under `key` (with `detail`, when given: compared as JSON), the `nth` such
   * (0: the first); returns it.
   */
  async waitFor(key: string, what: string, { detail, nth = 0, timeoutMs = 15_000 }: { detail?: unknown; nth?: number; timeoutMs?: number } = {}): Promise<PageEvent> {
    const wanted = detail === undefined ? null : JSON.stringify(detail);
    const handle = await this.page.waitForFunction(
      ([k, w, d, n]) => pj.events(k).filter((e) => e.what === w && (d === null || JSON.stringify(e.detail) === d))[n] ?? false,
      [key, what, wanted, nth] as const,
      { timeout: timeoutMs, polling: 50 },
    );
    return (await handle.jsonValue()) as PageEvent;
  }

  close(): Promise<void> {
    return this.page.context().close();
  }
}

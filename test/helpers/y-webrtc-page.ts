/**
 * The real `yjs` and `y-webrtc` packages bundled by esbuild into one page, served on 127.0.0.1 port 0, for
 * headless Chromium. The page exposes `window.yw` for the test to drive: start a WebrtcProvider on a
 * signaling URL, edit a shared Y.Text, and read the provider's own state (its WebRTC connections).
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Page } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

// Runs in the page. No STUN or TURN server: host candidates only, so nothing leaves this machine.
const ENTRY = `
import * as Y from 'yjs';
import { WebrtcProvider } from 'y-webrtc';
let doc, provider;
window.yw = {
  start(signalingUrl, room) {
    doc = new Y.Doc();
    provider = new WebrtcProvider(room, doc, { signaling: [signalingUrl], peerOpts: { config: { iceServers: [] } } });
  },
  insert(text) {
    const t = doc.getText('shared');
    t.insert(t.length, text);
  },
  text: () => doc.getText('shared').toString(),
  state() {
    const room = provider.room;
    return {
      signalingConnected: provider.signalingConns.every((c) => c.connected),
      webrtcConnected: room === null ? [] : [...room.webrtcConns].filter(([, c]) => c.connected).map(([id]) => id),
      bcConns: room === null ? 0 : room.bcConns.size,
      peerId: room === null ? '' : room.peerId,
    };
  },
  stop() {
    provider.destroy();
    doc.destroy();
  },
};
`;

export interface YPageState {
  signalingConnected: boolean;
  /** peer ids of the remote pages with an open WebRTC connection (simple-peer's `connect` fired). */
  webrtcConnected: string[];
  /** peers reached through BroadcastChannel instead (0: separate browser contexts share none). */
  bcConns: number;
  peerId: string;
}

export interface YPageServer {
  url: string;
  origin: string;
  close(): Promise<void>;
}

export async function serveYjsPage(): Promise<YPageServer> {
  const bundle = await build({
    stdin: { contents: ENTRY, resolveDir: ROOT, loader: 'js' },
    bundle: true, format: 'iife', platform: 'browser', write: false, logLevel: 'error',
  });
  const html = `<!doctype html><meta charset="utf-8"><title>y-webrtc test</title><script>${bundle.outputFiles[0]!.text.replaceAll('</script', '<\\/script')}</script>`;
  const server: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/`,
    origin,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type YW = { start(url: string, room: string): void; insert(text: string): void; text(): string; state(): YPageState; stop(): void };
declare const window: { yw: YW };

// Each function runs in the page (playwright sends its source): it can only name what the page has.
export const yPage = {
  start: (page: Page, signalingUrl: string, room: string) => page.evaluate(([u, r]) => window.yw.start(u!, r!), [signalingUrl, room]),
  insert: (page: Page, text: string) => page.evaluate((t) => window.yw.insert(t), text),
  text: (page: Page) => page.evaluate(() => window.yw.text()),
  state: (page: Page) => page.evaluate(() => window.yw.state()),
  stop: (page: Page) => page.evaluate(() => window.yw.stop()),
};

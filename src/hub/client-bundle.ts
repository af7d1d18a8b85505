/**
 * The room client's browser build at /roomwire.js (and /roomwire.min.js, with their source maps), from the
 * package's dist/browser/ whatever --public-dir says: a page imports it without a bundler,
 * `import { RoomClient } from '/roomwire.js'`. Built by scripts/build.mjs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createStaticHandler } from './static-files.ts';

/** dist/browser/ of this package: two levels up from src/hub/ and from dist/hub/ alike. */
export const CLIENT_BUNDLE_DIR = fileURLToPath(new URL('../../dist/browser/', import.meta.url));
const BUNDLE_PATHS = new Set(['/roomwire.js', '/roomwire.js.map', '/roomwire.min.js', '/roomwire.min.js.map']);

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** Serves the bundle's paths, and hands every other request to `next` (the static files). */
export function withClientBundle(next: Handler): Handler {
  const serveBundle = createStaticHandler(CLIENT_BUNDLE_DIR);
  return (req, res) => (BUNDLE_PATHS.has(pathOf(req.url)) ? serveBundle(req, res) : next(req, res));
}

/** Paths URL parsing leaves as they are: segments of plain characters (no dots, escapes, query or `//`). */
const PLAIN_PATH = /^(?:\/[\w-]+)+\/?$|^\/$/;

/** The path of a request target, or '' when it is not one (the static handler then answers 400). */
export function pathOf(target = '/'): string {
  // Every upgrade asks this (most for /ws): the fast answer skips building a URL.
  if (PLAIN_PATH.test(target)) return target;
  try {
    return new URL(target, 'http://x').pathname;
  } catch {
    return '';
  }
}

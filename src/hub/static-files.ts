/** Serves the demo page's files from one directory; nothing outside it is reachable. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, extname, join, resolve, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
};

export function createStaticHandler(directory: string) {
  const root = resolve(directory);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      return void res.writeHead(400).end('bad path');
    }
    if (pathname.endsWith('/')) pathname += 'index.html';
    const file = resolve(join(root, pathname));
    if (file !== root && !file.startsWith(root + sep)) return void res.writeHead(404).end('not found');
    try {
      const info = await stat(file);
      // /admin -> admin/ (relative, so it stays on this host and under any proxy prefix): the page's own
      // relative links (style, script, api/) resolve only below the slash.
      if (info.isDirectory() && file !== root) return void res.writeHead(308, { location: `${encodeURIComponent(basename(file))}/` }).end();
      if (!info.isFile()) return void res.writeHead(404).end('not found');
      res.writeHead(200, {
        'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
        'content-length': info.size,
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
      });
      if (req.method === 'HEAD') return void res.end();
      createReadStream(file).on('error', () => res.destroy()).pipe(res);
    } catch {
      res.writeHead(404).end('not found');
    }
  };
}

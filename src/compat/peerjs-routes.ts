/**
 * peerjs-server's HTTP API at its default paths (src/api/v1/public): GET /<key>/id, a fresh id for a
 * client that chose none, and GET /<key>/peers, the ids held, only with discovery on (else 401). PeerJS apps
 * usually live on another origin than their server, so these answer CORS as peerjs-server does, but only
 * for the origins the hub's allowedOrigins lets open its sockets; another Origin gets 403.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OriginCheck } from '../hub/origin-check.ts';

export interface PeerjsRouteDeps {
  key: string;
  discovery: boolean;
  originAllowed: OriginCheck;
  freshId(): string;
  ids(): string[];
}

/** Returns false for any other path. */
export function createPeerjsRoutes(deps: PeerjsRouteDeps): (req: IncomingMessage, res: ServerResponse, path: string) => boolean {
  const idPath = `/${deps.key}/id`;
  const peersPath = `/${deps.key}/peers`;
  return (req, res, path) => {
    if (path !== idPath && path !== peersPath) return false;
    if (!deps.originAllowed(req)) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('origin not allowed');
      return true;
    }
    const origin = req.headers.origin;
    const cors: Record<string, string> = origin === undefined ? {} : { 'access-control-allow-origin': origin, vary: 'Origin' };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...cors, 'access-control-allow-methods': 'GET, HEAD' }).end();
      return true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD, OPTIONS' }).end();
      return true;
    }
    const headers = { ...cors, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
    if (path === idPath) {
      res.writeHead(200, { ...headers, 'content-type': 'text/plain; charset=utf-8' }).end(deps.freshId());
    } else if (deps.discovery) {
      res.writeHead(200, { ...headers, 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(deps.ids()));
    } else {
      res.writeHead(401, { ...headers, 'content-type': 'text/plain; charset=utf-8' }).end('Unauthorized');
    }
    return true;
  };
}

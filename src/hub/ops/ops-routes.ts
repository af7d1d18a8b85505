/**
 * The operator's HTTP endpoints beside the demo page: /metrics (Prometheus text; with metricsToken, only
 * for `Authorization: Bearer <token>`) and /readyz (200 while the hub takes new sockets, 503 while it
 * drains or its bus is unavailable). Returns false for any other path.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bearerCheck } from './bearer.ts';
import type { HubMetrics } from './metrics.ts';

export interface OpsRouteDeps {
  metrics: HubMetrics;
  metricsToken: string;
  /** Why the hub does not take new sockets now, or undefined when it does. */
  notReady(): string | undefined;
  onError(err: unknown): void;
}

export function createOpsRoutes(deps: OpsRouteDeps): (req: IncomingMessage, res: ServerResponse, path: string) => boolean {
  const metricsAllowed = deps.metricsToken === '' ? () => true : bearerCheck(deps.metricsToken);
  return (req, res, path) => {
    if (path === '/readyz') {
      if (!isRead(req, res)) return true;
      const why = deps.notReady();
      res.writeHead(why === undefined ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(JSON.stringify(why === undefined ? { status: 'ready' } : { status: 'not-ready', reason: why }));
      return true;
    }
    if (path === '/metrics') {
      if (!isRead(req, res)) return true;
      if (!metricsAllowed(req)) {
        res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
        return true;
      }
      deps.metrics.text().then(
        (text) => res.writeHead(200, { 'content-type': deps.metrics.contentType, 'cache-control': 'no-store' }).end(text),
        (err: unknown) => {
          deps.onError(err);
          res.writeHead(500).end();
        },
      );
      return true;
    }
    return false;
  };
}

function isRead(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return true;
  res.writeHead(405, { allow: 'GET, HEAD' }).end();
  return false;
}

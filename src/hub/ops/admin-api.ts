/**
 * The admin API: JSON under /admin/api/, only with `Authorization: Bearer <adminToken>` (checked in
 * constant time; without a token configured, the API does not exist: 404).
 *
 *   GET  /admin/api/rooms                              every room with its members
 *   GET  /admin/api/rooms/:room                        one room
 *   POST /admin/api/rooms/:room/peers/:peerId/kick     end the peer's session (reason kicked, close 4003)
 *   POST /admin/api/rooms/:room/close                  take every member out (reason room-closed)
 *   GET  /admin/api/stats                              this hub's numbers now and over the last minutes
 *   POST /admin/api/drain                              stop taking sockets, ask clients to move, then exit
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AdminActions } from '../admin-actions.ts';
import { bearerCheck } from './bearer.ts';
import type { StatsSample } from './stats-history.ts';

export interface AdminApiDeps {
  adminToken: string;
  actions: AdminActions;
  node(): string;
  stats(): Record<string, unknown>;
  history(): StatsSample[];
  drain(): void;
  onError(err: unknown): void;
}

type Route = { method: 'GET' | 'POST'; pattern: RegExp; run: (params: string[]) => Promise<[number, unknown]> | [number, unknown] };

const PREFIX = '/admin/api/';

export function createAdminApi(deps: AdminApiDeps): (req: IncomingMessage, res: ServerResponse, path: string) => boolean {
  const authorized = deps.adminToken === '' ? () => false : bearerCheck(deps.adminToken);
  const { actions } = deps;
  const notFound = (what: string): [number, unknown] => [404, { error: 'not-found', message: `no ${what}` }];
  const routes: Route[] = [
    { method: 'GET', pattern: /^rooms$/, run: () => [200, { node: deps.node(), rooms: actions.rooms() }] },
    { method: 'GET', pattern: /^rooms\/([^/]+)$/, run: ([room]) => {
      const view = actions.room(room!);
      return view === undefined ? notFound(`room ${room}`) : [200, view];
    } },
    { method: 'POST', pattern: /^rooms\/([^/]+)\/peers\/([^/]+)\/kick$/, run: async ([room, peerId]) =>
      (await actions.kick(room!, peerId!)) ? [200, { kicked: peerId, room }] : notFound(`peer ${peerId} in room ${room}`) },
    { method: 'POST', pattern: /^rooms\/([^/]+)\/close$/, run: async ([room]) => {
      const removed = await actions.closeRoom(room!);
      return removed === undefined ? notFound(`room ${room}`) : [200, { closed: room, removed }];
    } },
    { method: 'GET', pattern: /^stats$/, run: () => [200, { node: deps.node(), ...deps.stats(), history: deps.history() }] },
    { method: 'POST', pattern: /^drain$/, run: () => {
      deps.drain();
      return [202, { draining: true, node: deps.node() }];
    } },
  ];

  return (req, res, path) => {
    if (!path.startsWith(PREFIX)) return false;
    if (deps.adminToken === '') return void send(res, 404, { error: 'not-found', message: 'the admin API is off (no --admin-token)' }), true;
    if (!authorized(req)) return void send(res, 401, { error: 'unauthorized', message: 'Authorization: Bearer <admin token> required' }, { 'www-authenticate': 'Bearer' }), true;
    const rest = path.slice(PREFIX.length);
    let params: string[] | undefined;
    const route = routes.find((r) => (params = matchPath(r.pattern, rest)) !== undefined && r.method === req.method);
    if (route === undefined) {
      const exists = routes.some((r) => matchPath(r.pattern, rest) !== undefined);
      send(res, exists ? 405 : 404, { error: exists ? 'method-not-allowed' : 'not-found', message: `${req.method} ${path}` });
      return true;
    }
    Promise.resolve().then(() => route.run(params!)).then(
      ([status, body]) => send(res, status, body),
      (err: unknown) => {
        deps.onError(err);
        send(res, 500, { error: 'internal-error', message: 'the hub failed to do that' });
      },
    );
    return true;
  };
}

/** Path parameters, percent-decoded; undefined when the path does not match (or does not decode). */
function matchPath(pattern: RegExp, path: string): string[] | undefined {
  const m = pattern.exec(path);
  if (m === null) return undefined;
  try {
    return m.slice(1).map((p) => decodeURIComponent(p));
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers }).end(JSON.stringify(body));
}

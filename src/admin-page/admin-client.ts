/**
 * A client of the hub's admin API (docs/operations.md, "Admin API") on `fetch`: the admin page uses it in
 * the browser and `roomwire admin` in Node. Failures come out as two error classes, so both can tell a
 * refused token (401: ask again / exit 3) from a hub that answered with another error or not at all.
 */
import type { RoomView } from '../hub/admin-actions.ts';
import type { StatsSample } from '../hub/ops/stats-history.ts';
import type { LinkPathName } from '../protocol/index.ts';

export type { MemberView, RoomView } from '../hub/admin-actions.ts';
export type { StatsSample } from '../hub/ops/stats-history.ts';

export interface RoomsAnswer {
  node: string;
  rooms: RoomView[];
}

export interface StatsAnswer {
  node: string;
  uptimeSeconds: number;
  connections: number;
  rooms: number;
  /** sessions, connected or in their resume grace */
  peers: number;
  /** sessions in their resume grace */
  absent: number;
  draining: boolean;
  /** links between room mates by path, each counted once */
  links: Record<LinkPathName, number>;
  /** oldest first, one every statsIntervalMs */
  history: StatsSample[];
}

/** The hub answered, with an HTTP error status (401 included) and its `{error, message}` body. */
export class AdminHttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(`${status} ${code}: ${message}`);
  }

  get unauthorized(): boolean {
    return this.status === 401;
  }
}

/** No answer: refused connection, DNS, TLS, a timeout, or something that is not the admin API's JSON. */
export class HubUnreachableError extends Error {}

export interface AdminClientConfig {
  /** Where the API lives: `http://host:8080/admin/api/` (a trailing slash, so relative paths resolve below it). */
  apiUrl: string;
  token: string;
  /** ms a request may take before it counts as unreachable */
  timeoutMs: number;
}

/**
 * Whether `token` can go into an Authorization header at all (visible ASCII); fetch would throw on
 * anything else, which would read as an unreachable hub.
 */
export const isTokenText = (token: string) => /^[\x21-\x7e]+$/.test(token);

export class AdminClient {
  constructor(private readonly config: AdminClientConfig) {}

  rooms(): Promise<RoomsAnswer> {
    return this.request('GET', 'rooms');
  }

  room(room: string): Promise<RoomView> {
    return this.request('GET', `rooms/${encodeURIComponent(room)}`);
  }

  stats(): Promise<StatsAnswer> {
    return this.request('GET', 'stats');
  }

  kick(room: string, peerId: string): Promise<{ kicked: string; room: string }> {
    return this.request('POST', `rooms/${encodeURIComponent(room)}/peers/${encodeURIComponent(peerId)}/kick`);
  }

  closeRoom(room: string): Promise<{ closed: string; removed: number }> {
    return this.request('POST', `rooms/${encodeURIComponent(room)}/close`);
  }

  drain(): Promise<{ draining: boolean; node: string }> {
    return this.request('POST', 'drain');
  }

  private async request<T>(method: 'GET' | 'POST', path: string): Promise<T> {
    const url = new URL(path, this.config.apiUrl);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${this.config.token}` },
        signal: AbortSignal.timeout(this.config.timeoutMs),
        cache: 'no-store',
      });
    } catch (err) {
      const cause = err as Error & { cause?: { code?: string; message?: string } };
      const why = cause.name === 'TimeoutError' ? `no answer within ${this.config.timeoutMs} ms` : (cause.cause?.message ?? cause.message);
      throw new HubUnreachableError(`cannot reach ${url.origin}: ${why}`);
    }
    const text = await res.text().catch(() => '');
    let body: { error?: unknown; message?: unknown } | undefined;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (!res.ok) {
      const code = typeof body?.error === 'string' ? body.error : res.statusText || 'error';
      const message = typeof body?.message === 'string' ? body.message : `${method} ${url.pathname}`;
      throw new AdminHttpError(res.status, code, message);
    }
    if (body === undefined || typeof body !== 'object') {
      throw new HubUnreachableError(`${url.href} did not answer with JSON: is this a roomwire hub?`);
    }
    return body as T;
  }
}

/** Links of a room by path, each link counted once (as the hub's `links` figure counts them). */
export function roomLinkCounts(room: RoomView): Record<LinkPathName, number> {
  const counts: Record<LinkPathName, number> = { connecting: 0, direct: 0, turn: 0, relay: 0, star: 0 };
  const byId = new Map(room.members.map((m) => [m.peerId, m]));
  for (const member of room.members) {
    for (const [mate, path] of Object.entries(member.links)) {
      // One side's report per pair: the lower peer id's, or the only one there is.
      if (member.peerId < mate || byId.get(mate)?.links[member.peerId] === undefined) counts[path]++;
    }
  }
  return counts;
}

/**
 * Which browser pages may open the signaling socket. Browsers send the page's Origin with every WebSocket
 * upgrade and let any site open a socket to any host, so without this check any web site could use its
 * visitors' browsers (and their addresses) against the hub. Clients that are not browsers send no Origin,
 * or any they like: for them the check proves nothing, and they pass (the other limits hold them).
 */
import type { IncomingMessage } from 'node:http';

export type OriginCheck = (req: IncomingMessage) => boolean;

/** `allowed` empty: only the hub's own origin (same host as the request's Host); `*`: every origin. */
export function createOriginCheck(allowed: readonly string[]): OriginCheck {
  if (allowed.includes('*')) return () => true;
  const origins = new Set(allowed.map((o) => normalize(o) ?? o));
  return (req) => {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    const normalized = normalize(origin);
    if (normalized === undefined) return false;
    if (origins.size > 0) return origins.has(normalized);
    return sameHost(new URL(normalized), req.headers.host ?? '');
  };
}

/** The page's host is the one the upgrade was sent to (the port too, when the Host header names one). */
function sameHost(origin: URL, hostHeader: string): boolean {
  let host: URL;
  try {
    host = new URL(`http://${hostHeader}`);
  } catch {
    return false;
  }
  if (host.hostname !== origin.hostname) return false;
  const originPort = origin.port || (origin.protocol === 'https:' ? '443' : '80');
  return host.port === '' || host.port === originPort;
}

/** "https://App.Example:443" -> "https://app.example"; undefined for "null" and other non-URLs. */
function normalize(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    return url.origin === 'null' ? undefined : url.origin;
  } catch {
    return undefined;
  }
}

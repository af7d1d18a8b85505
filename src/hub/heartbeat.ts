/**
 * Liveness by WebSocket ping/pong (RFC 6455 §5.5.2-3): every interval each connection pings, or is
 * terminated if it has not answered the previous ping. A dead peer is therefore noticed within two
 * intervals, and its session then enters the resume grace period.
 */
export interface Pingable {
  heartbeat(): void;
}

export function startHeartbeat(connections: () => Iterable<Pingable>, intervalMs: number): () => void {
  const timer = setInterval(() => {
    for (const conn of connections()) conn.heartbeat();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Liveness by WebSocket ping/pong (RFC 6455 §5.5.2-3). Each tick pings every socket; a socket that has
 * not answered the previous tick's ping is terminated. A dead peer is therefore noticed within two
 * intervals, and its session then enters the resume grace period.
 */
import type WebSocket from 'ws';

export function startHeartbeat(sockets: () => Iterable<WebSocket>, intervalMs: number): () => void {
  const awaitingPong = new WeakSet<WebSocket>();
  const watched = new WeakSet<WebSocket>();
  const timer = setInterval(() => {
    for (const ws of sockets()) {
      if (!watched.has(ws)) {
        watched.add(ws);
        ws.on('pong', () => awaitingPong.delete(ws));
      }
      if (awaitingPong.has(ws)) {
        ws.terminate();
        continue;
      }
      awaitingPong.add(ws);
      ws.ping();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Liveness by WebSocket ping/pong (RFC 6455 §5.5.2-3): every interval each connection pings, or is
 * terminated if it has not answered the previous ping. A dead peer is therefore noticed within two
 * intervals, and its session then enters the resume grace period.
 *
 * The pings of one interval are spread over it in SLOTS steps, each connection in its own fixed step: a
 * ping is a write system call, and pinging 10,000 connections at once stalled the hub for ~300 ms every
 * interval (the p99 of signal latency under `npm run bench:scale` sat on those stalls).
 */
export interface Pingable {
  /** The step of the interval this connection is pinged in (from nextHeartbeatSlot(), at its creation). */
  readonly heartbeatSlot: number;
  heartbeat(): void;
}

const SLOTS = 10;
let assigned = 0;

/** Slots in turn: connections opened together are pinged apart. */
export function nextHeartbeatSlot(): number {
  assigned = (assigned + 1) % SLOTS;
  return assigned;
}

export function startHeartbeat(connections: () => Iterable<Pingable>, intervalMs: number): () => void {
  let step = 0;
  const timer = setInterval(() => {
    const current = step;
    step = (step + 1) % SLOTS;
    for (const conn of connections()) if (conn.heartbeatSlot === current) conn.heartbeat();
  }, intervalMs / SLOTS);
  timer.unref();
  return () => clearInterval(timer);
}

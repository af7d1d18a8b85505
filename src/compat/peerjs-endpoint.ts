/**
 * peerjs-server's protocol on the hub (`--peerjs`): the WebSocket at /peerjs and the HTTP API at
 * /<key>/id and /<key>/peers, so `new Peer(id, {host, port, path: '/'})` works unchanged. The hub admits the
 * upgrade first (drain, Origin, per-address limits: the same as for /ws); this decides the handshake, holds
 * the ids, relays with `src` set from the id the socket holds, queues for absent ids, and closes sockets
 * that stopped sending HEARTBEAT.
 *
 * Ids and queues live in this hub's memory (behind PeerjsIds); ids shared by several hubs come with Redis.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type WebSocket from 'ws';
import type { Logger } from '../hub/logger.ts';
import type { HubMetrics } from '../hub/ops/metrics.ts';
import type { HubOptions } from '../hub/options.ts';
import type { OriginCheck } from '../hub/origin-check.ts';
import { CLOSE_CODES } from '../protocol/codes.ts';
import { sendFrame } from '../hub/send-frame.ts';
import { PeerjsConnection, type PeerjsRouter } from './peerjs-connection.ts';
import { decidePeerjsHandshake, type PeerjsHandshakeRules } from './peerjs-handshake.ts';
import { createIdCheck, freshPeerjsId, MemoryPeerjsIds, type PeerjsIds } from './peerjs-ids.ts';
import { errorFrame, expireFrame, ID_TAKEN_FRAME, OPEN_FRAME, relayFrame, type PeerjsRelayedType } from './peerjs-messages.ts';
import { PeerjsMetrics } from './peerjs-metrics.ts';
import { PeerjsQueue } from './peerjs-queue.ts';
import { createPeerjsRoutes } from './peerjs-routes.ts';

/** peerjs-server's WebSocket path for its default `path: '/'`. */
export const PEERJS_WS_PATH = '/peerjs';
/** How often sockets are checked against peerjsAliveTimeoutMs (peerjs-server: every 300 ms). */
const ALIVE_CHECK_MS = 1_000;

export interface PeerjsEndpointDeps {
  logger: Logger;
  metrics: HubMetrics;
  originAllowed: OriginCheck;
  /** Who holds which id; this hub's memory unless given. */
  ids?: PeerjsIds<PeerjsConnection>;
}

export class PeerjsEndpoint implements PeerjsRouter {
  readonly metrics: PeerjsMetrics;
  readonly logger: Logger;
  /** The HTTP API; false for paths that are not its own. */
  readonly route: (req: IncomingMessage, res: ServerResponse, path: string) => boolean;
  private readonly ids: PeerjsIds<PeerjsConnection>;
  private readonly queue: PeerjsQueue;
  /** Every open PeerJS socket: id holders, and sockets whose id was taken over (they still speak for it). */
  private readonly sockets = new Set<PeerjsConnection>();
  /** The socket each id was last taken over from: at most one per id, so sockets stay within twice the ids. */
  private readonly superseded = new Map<string, PeerjsConnection>();
  private readonly rules: PeerjsHandshakeRules;
  private readonly aliveCheck: NodeJS.Timeout;

  constructor(readonly options: HubOptions, deps: PeerjsEndpointDeps) {
    this.logger = deps.logger;
    const ids = deps.ids ?? new MemoryPeerjsIds<PeerjsConnection>();
    this.ids = ids;
    this.queue = new PeerjsQueue(options, (src, dst) => this.expired(src, dst, 'timeout'));
    this.metrics = new PeerjsMetrics(deps.metrics, { clients: () => ids.size, queued: () => this.queue.size });
    this.rules = { ...options, idAllowed: createIdCheck(options) };
    this.route = createPeerjsRoutes({
      key: options.peerjsKey,
      discovery: options.peerjsDiscovery,
      originAllowed: deps.originAllowed,
      freshId: () => freshPeerjsId(ids),
      ids: () => ids.ids(),
    });
    this.aliveCheck = setInterval(() => this.closeSilent(), Math.min(ALIVE_CHECK_MS, options.peerjsAliveTimeoutMs));
    this.aliveCheck.unref();
  }

  /** A WebSocket the hub admitted at PEERJS_WS_PATH. */
  accept(ws: WebSocket, req: IncomingMessage): void {
    ws.on('error', (err) => this.logger.debug({ err: err.message }, 'peerjs socket error'));
    const decision = decidePeerjsHandshake(new URL(req.url ?? '/', 'http://x').searchParams, this.ids, this.rules);
    if (decision.kind === 'refuse' || decision.kind === 'taken') {
      // As peerjs-server: say why, then close (no code: the client sees 1005).
      this.metrics.connection(decision.kind === 'taken' ? 'id-taken' : 'refused');
      if (decision.kind === 'refuse') this.metrics.error(decision.code);
      sendFrame(ws, decision.kind === 'taken' ? ID_TAKEN_FRAME : errorFrame(decision.code, decision.msg), this.options.maxBufferedBytes);
      ws.close();
      return;
    }
    const conn = new PeerjsConnection(ws, decision.id, decision.token, this);
    this.sockets.add(conn);
    // A takeover (same id and token: a client back before the hub noticed its old socket died) gets no OPEN,
    // and the old socket is left open, both as in peerjs-server; only the newest socket receives.
    if (decision.kind === 'take-over') this.supersede(conn.id);
    this.ids.hold(conn.id, conn);
    if (decision.kind === 'open') conn.send(OPEN_FRAME);
    this.metrics.connection(decision.kind === 'open' ? 'opened' : 'taken-over');
    this.logger.debug({ peerjsId: conn.id, takeover: decision.kind === 'take-over' }, 'peerjs client connected');
    for (const frame of this.queue.take(conn.id)) this.deliver(conn, frame);
  }

  relay(from: PeerjsConnection, type: PeerjsRelayedType, dst: string, payload: unknown): void {
    const frame = relayFrame(type, from.id, dst, payload);
    const target = this.ids.holder(dst);
    if (target !== undefined && target.open) return this.deliver(target, frame);
    // peerjs-server never keeps a LEAVE or an EXPIRE for later.
    if (type === 'LEAVE' || type === 'EXPIRE') return;
    if (!this.queue.add(dst, from.id, frame)) this.expired(from.id, dst, 'queue-full');
  }

  /**
   * LEAVE without dst. peerjs-server frees the id but keeps relaying what the socket sends under it, even
   * once someone else holds it; here the socket is closed too, so an id never has two unrelated speakers.
   */
  leave(conn: PeerjsConnection): void {
    this.ids.release(conn.id, conn);
    conn.retire(1000, 'left');
  }

  closed(conn: PeerjsConnection): void {
    this.sockets.delete(conn);
    if (this.superseded.get(conn.id) === conn) this.superseded.delete(conn.id);
    if (this.ids.release(conn.id, conn)) this.logger.debug({ peerjsId: conn.id }, 'peerjs client left');
  }

  /** Stops the alive check and drops what is queued; the hub closes the sockets. Idempotent. */
  close(): void {
    clearInterval(this.aliveCheck);
    this.queue.close();
  }

  /**
   * The holder of `id` is being replaced: it stays open (peerjs-server leaves it so), but a socket replaced
   * before it is closed (4001), where peerjs-server would keep every one of them open.
   */
  private supersede(id: string): void {
    const holder = this.ids.holder(id);
    if (holder === undefined) return;
    this.superseded.get(id)?.retire(CLOSE_CODES.replaced, 'replaced');
    this.superseded.set(id, holder);
  }

  private deliver(target: PeerjsConnection, frame: string): void {
    if (target.send(frame)) this.metrics.hub.relayedBytes(frame.length);
  }

  /** Tells `src`, if it is connected, that what it sent to `dst` was not delivered. */
  private expired(src: string, dst: string, reason: 'timeout' | 'queue-full'): void {
    this.metrics.expired(reason);
    const sender = this.ids.holder(src);
    if (sender !== undefined) sender.send(expireFrame(dst, src));
  }

  /** Sockets without a HEARTBEAT for peerjsAliveTimeoutMs: their id is freed at once, then they are closed. */
  private closeSilent(): void {
    const now = Date.now();
    for (const conn of this.sockets) {
      if (now - conn.lastHeartbeatAt < this.options.peerjsAliveTimeoutMs) continue;
      this.sockets.delete(conn);
      this.ids.release(conn.id, conn);
      this.logger.debug({ peerjsId: conn.id }, 'peerjs client sent no heartbeat: closed');
      conn.retire();
    }
  }
}

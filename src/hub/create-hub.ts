/**
 * The hub's one wiring function: HTTP (demo page, /healthz) and the signaling WebSocket at /ws on one
 * server (and y-webrtc's at /y-webrtc, with --y-webrtc), with the bus, the sessions and the heartbeat.
 * Collaborators can be passed in (tests, Redis).
 */
import { once } from 'node:events';
import { hostname } from 'node:os';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { MemoryBus } from '../bus/memory-bus.ts';
import { RedisBus } from '../bus/redis/redis-bus.ts';
import type { AddressLedger, RoomBus } from '../bus/room-bus.ts';
import { PEERJS_WS_PATH, PeerjsEndpoint } from '../compat/peerjs-endpoint.ts';
import { CLOSE_CODES } from '../protocol/index.ts';
import { AddressLimits } from './address-limits.ts';
import { createAddressOf } from './client-address.ts';
import { Connection } from './connection.ts';
import { HubSocket } from './hub-socket.ts';
import { startHeartbeat } from './heartbeat.ts';
import { HubEvents } from './hub-events.ts';
import type { HubCore } from './hub-core.ts';
import { createJoinAuthorizer } from './join-token.ts';
import { createLogger, type Logger } from './logger.ts';
import { DEFAULT_PUBLIC_DIR, resolveHubOptions, type HubOptions } from './options.ts';
import { createOriginCheck } from './origin-check.ts';
import { AdminActions } from './admin-actions.ts';
import { createAdminApi } from './ops/admin-api.ts';
import { countLinks, hubMetricSources } from './ops/metric-sources.ts';
import { StatsHistory } from './ops/stats-history.ts';
import { HubMetrics } from './ops/metrics.ts';
import { createOpsRoutes } from './ops/ops-routes.ts';
import { startWebhooks } from './ops/webhooks.ts';
import { RoomWatch } from './room-watch.ts';
import { corkForTurn } from './send-frame.ts';
import { SessionRegistry } from './session-registry.ts';
import { createStaticHandler } from './static-files.ts';
import { pathOf, withClientBundle } from './client-bundle.ts';
import { iceServersFor } from './turn-credentials.ts';
import { announceDeparture } from './membership.ts';
import { createYWebrtcEndpoint, Y_WEBRTC_PATH } from '../compat/y-webrtc-endpoint.ts';

export const SIGNALING_PATH = '/ws';

export interface HubDeps {
  logger?: Logger;
  bus?: RoomBus;
}

/** An upgrade that may go ahead: the client's address key, and how to give back a session place no session took. */
interface Admission {
  address: string;
  /** Several hubs: the session place taken for this connection, given back if it never becomes a session. */
  unusedPlace?: () => void;
}

export interface HubStats {
  uptimeSeconds: number;
  connections: number;
  rooms: number;
  /** Sessions: connected peers plus those waiting in their resume grace period. */
  peers: number;
}

export interface Hub {
  readonly options: HubOptions;
  /** Resolves with the bound address once listening (port 0 picks a free port). */
  listen(): Promise<AddressInfo>;
  stats(): HubStats;
  /** Rooms starting and finishing, peers joining and leaving (webhooks, metrics and tests listen here). */
  readonly events: HubEvents;
  /**
   * Drain: /readyz turns 503, new upgrades get 503, and every client is asked to move (close 1001; room
   * clients reconnect, and resume wherever their sessions live). Resolves when they are gone, or after
   * drainTimeoutMs. Idempotent. `drained` resolves then too, however the drain was started (admin API).
   */
  drain(): Promise<void>;
  readonly drained: Promise<void>;
  /** Stops accepting, closes every socket with 1001, cuts the rest after shutdownTimeoutMs. Idempotent. */
  close(): Promise<void>;
}

export function createHub(overrides: Partial<HubOptions> = {}, deps: HubDeps = {}): Hub {
  const options = resolveHubOptions(overrides);
  const logger = deps.logger ?? createLogger(options.logLevel, options.logFormat);
  const bus: RoomBus = deps.bus ?? (options.redisUrl === '' ? new MemoryBus(options) : new RedisBus(options, logger));
  const events = new HubEvents((err) => logger.error({ err }, 'hub event listener failed'));
  const watch = new RoomWatch(bus, options.meshLimit, events);
  let draining: string | undefined;
  const sessions = new SessionRegistry(options, bus, watch, logger, () => metrics.slowConsumerCut());
  const metrics = new HubMetrics(hubMetricSources(bus, sessions, () => wss.clients.size));
  let node = options.nodeId; // <hostname>:<port> when empty, known once listening
  const webhooks = startWebhooks(options, { events, registry: metrics.registry, node: () => node, logger });
  const addressLimits = new AddressLimits(options);
  /** The per-address counts across hubs, once the bus has started (the Redis bus); undefined alone. */
  let ledger: AddressLedger | undefined;
  const addressOf = createAddressOf(options.trustedProxies);
  const originAllowed = createOriginCheck(options.allowedOrigins);
  const core: HubCore = {
    options,
    parseLimits: options,
    bus,
    sessions,
    watch,
    logger,
    authorizeJoin: createJoinAuthorizer(options),
    addressLimits,
    events,
    metrics,
    iceServersFor: (peerId) => iceServersFor(options, peerId),
  };
  const startedAt = Date.now();
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.hardMaxFrameBytes, perMessageDeflate: false, WebSocket: HubSocket });
  const serveStatic = withClientBundle(createStaticHandler(options.publicDir || DEFAULT_PUBLIC_DIR));
  const yWebrtc = options.yWebrtc ? createYWebrtcEndpoint(options, { metrics, logger }) : undefined;
  const peerjs = options.peerjs ? new PeerjsEndpoint(options, { logger, metrics, originAllowed }) : undefined;

  const stats = (): HubStats => ({
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    connections: wss.clients.size,
    rooms: bus.stats().rooms,
    peers: sessions.size,
  });

  const statsHistory = new StatsHistory({
    connections: () => wss.clients.size,
    sessions: () => sessions.size,
    rooms: () => bus.stats().rooms,
    messages: () => metrics.messagesTotal,
  }, options.statsIntervalMs, options.statsHistorySize);
  const adminApi = createAdminApi({
    adminToken: options.adminToken,
    actions: new AdminActions(core, () => node),
    node: () => node,
    stats: () => ({ ...stats(), absent: sessions.absentCount, draining: draining !== undefined, links: countLinks(sessions) }),
    history: () => statsHistory.all(),
    drain: () => void drain(),
    onError: (err) => logger.error({ err }, 'admin request failed'),
  });
  const opsRoutes = createOpsRoutes({
    metrics,
    metricsToken: options.metricsToken,
    notReady: () => draining ?? (bus.health() === 'down' ? 'redis unreachable' : undefined),
    onError: (err) => logger.error({ err }, 'metrics failed'),
  });

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = pathOf(req.url);
    if (opsRoutes(req, res, path) || adminApi(req, res, path) || peerjs?.route(req, res, path)) return;
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { allow: 'GET, HEAD' }).end();
    if (req.url === '/healthz') {
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', ...stats(), ...(bus.hubId === undefined ? {} : { redis: bus.health(), hubId: bus.hubId }) }));
    }
    serveStatic(req, res).catch((err: unknown) => {
      logger.error({ err }, 'static file failed');
      res.destroy();
    });
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', destroyOnError);
    const path = pathOf(req.url);
    admit(req, socket, path)
      .then((admission) => {
        if (admission === undefined) return;
        const { address, unusedPlace } = admission;
        if (socket.destroyed) return unusedPlace?.();
        // ws may also give up on the upgrade itself (a bad handshake): the socket closes without a session.
        if (unusedPlace !== undefined) socket.once('close', unusedPlace);
        corkForTurn(socket); // the 101 response and the first frame (welcome) leave in one segment
        wss.handleUpgrade(req, socket, head, (ws) => {
          if (unusedPlace !== undefined) socket.off('close', unusedPlace);
          accept(ws, address, path, req);
        });
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'upgrade failed');
        rejectUpgrade(socket, 500, 'Internal Server Error');
      });
  });

  /**
   * Wires an accepted socket. A function of its own, so that the listeners living as long as the socket
   * close over it and its address only: a closure keeps its whole scope, and the upgrade handler's holds
   * the request and its headers (about 2 KiB a socket). (PeerJS reads its query from `req` once, at once.)
   */
  function accept(ws: HubSocket, key: string, path: string, req: IncomingMessage): void {
    const address = addressLimits.opened(key);
    if (path === Y_WEBRTC_PATH || path === PEERJS_WS_PATH) ws.once('close', () => addressLimits.closed(address));
    if (path === Y_WEBRTC_PATH && yWebrtc !== undefined) return yWebrtc.accept(ws);
    if (path === PEERJS_WS_PATH && peerjs !== undefined) return peerjs.accept(ws, req);
    void new Connection(ws, core, address); // held by its socket (ws.handler, see hub-socket.ts)
  }

  /**
   * Decides an upgrade before any WebSocket exists: its admission (the client address key) when it may
   * connect, or undefined once it has been refused with an HTTP status. Sessions waiting in their resume grace count
   * against the limits, and the oldest of them yields when only they stand in the way. With several hubs,
   * the address's sessions count across them too (after the check here), and this hub's own yield.
   */
  async function admit(req: IncomingMessage, socket: Duplex, path: string): Promise<Admission | undefined> {
    const yWebrtcPath = yWebrtc !== undefined && path === Y_WEBRTC_PATH;
    const peerjsPath = peerjs !== undefined && path === PEERJS_WS_PATH;
    if (path !== SIGNALING_PATH && !yWebrtcPath && !peerjsPath) return void refuse(socket, 404, 'Not Found');
    const address = await admitAddress(req, socket);
    if (address === undefined) return undefined;
    // y-webrtc and PeerJS sockets hold no session: their own limits instead of the session limits below.
    if (yWebrtcPath) return yWebrtc.hasRoom() ? { address } : void refuse(socket, 503, 'Service Unavailable', 'y-webrtc connections full');
    if (peerjsPath) return { address }; // peerjsMaxClients is checked by the PeerJS endpoint
    if (sessions.countOf(address) >= options.maxSessionsPerAddress && !(await sessions.yieldOldest(address))) {
      return void refuse(socket, 429, 'Too Many Requests', 'sessions of your address');
    }
    if (sessions.size >= options.maxConnections && !(await sessions.yieldOldest())) {
      return void refuse(socket, 503, 'Service Unavailable', 'hub full');
    }
    if (ledger === undefined) return { address };
    if (!(await sessions.takeSharedPlace(address, options.maxSessionsPerAddress))) {
      return void refuse(socket, 429, 'Too Many Requests', 'sessions of your address');
    }
    return { address, unusedPlace: () => sessions.unusedPlace(address) };
  }
  /** What every WebSocket passes, whatever it speaks: drain, Origin, and its address's rate and open sockets. */
  async function admitAddress(req: IncomingMessage, socket: Duplex): Promise<string | undefined> {
    if (draining !== undefined) return void refuse(socket, 503, 'Service Unavailable', draining);
    if (bus.health() === 'down') return void refuse(socket, 503, 'Service Unavailable', 'redis unreachable');
    if (!originAllowed(req)) return void refuse(socket, 403, 'Forbidden', 'origin not allowed');
    const address = addressOf(req);
    if (!(await addressLimits.allowConnect(address))) {
      metrics.rateLimited('connections');
      return void refuse(socket, 429, 'Too Many Requests', 'connection rate of your address');
    }
    if (!addressLimits.hasRoomFor(address) || (ledger !== undefined && !(await addressLimits.takeShared(address, socket)))) {
      return void refuse(socket, 429, 'Too Many Requests', 'open connections of your address');
    }
    return address;
  }
  function refuse(socket: Duplex, status: number, text: string, why?: string): void {
    metrics.upgradeRefused(status);
    rejectUpgrade(socket, status, text, why);
  }

  server.on('clientError', (_err, socket) => socket.destroy());

  const stopHeartbeat = startHeartbeat(() => nativeConnections(wss.clients), options.heartbeatIntervalMs);
  let closing: Promise<void> | undefined;
  let draining$: Promise<void> | undefined;
  let markDrained!: () => void;
  const drained = new Promise<void>((resolve) => (markDrained = resolve));

  function drain(): Promise<void> {
    draining$ ??= (async () => {
      draining = 'draining';
      logger.info({ connections: wss.clients.size }, 'draining: asking clients to move');
      const open = [...wss.clients];
      const deadline = Date.now() + options.drainTimeoutMs;
      for (const ws of open) ws.close(CLOSE_CODES.goingAway, 'draining: reconnect');
      await closedOrDeadline(open, options.drainTimeoutMs);
      // Hubs sharing Redis: the clients resume on other hubs, which take their sessions over from this one,
      // with the frames they had not confirmed. Stay until every session has gone so (while another hub is
      // alive to take them), or the deadline.
      while (bus.otherHubs() > 0 && sessions.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      logger.info({ left: wss.clients.size, sessions: sessions.size }, 'drained');
      markDrained();
    })();
    return draining$;
  }

  return {
    options,
    events,
    async listen() {
      await bus.start({
        roomChanged: (room) => watch.membersChanged(room),
        roomOpened: (room) => watch.tell('room-opened', room),
        roomClosed: (room) => watch.tell('room-closed', room),
        handOver: (peerId, received) => sessions.handOver(peerId, received),
        departed: (room, outcome) => announceDeparture(bus, watch, room, outcome, 'disconnected'),
        sessionLost: (peerId, how) => sessions.lose(peerId, how),
      });
      ledger = bus.addressLedger();
      if (ledger !== undefined) {
        addressLimits.share(ledger);
        sessions.share(ledger);
      }
      server.listen(options.port, options.host);
      await once(server, 'listening');
      const address = server.address() as AddressInfo;
      node ||= `${hostname()}:${address.port}`;
      metrics.setNode(node);
      logger.info({ host: address.address, port: address.port, path: SIGNALING_PATH }, 'hub listening');
      return address;
    },
    stats,
    drain,
    drained,
    close() {
      closing ??= (async () => {
        stopHeartbeat();
        yWebrtc?.close();
        peerjs?.close();
        sessions.close();
        server.close();
        statsHistory.close();
        const open = [...wss.clients];
        for (const ws of open) ws.close(CLOSE_CODES.goingAway, 'hub shutting down');
        await closedOrDeadline(open, options.shutdownTimeoutMs);
        for (const ws of wss.clients) ws.terminate();
        server.closeAllConnections();
        wss.close();
        await bus.close();
        await webhooks?.close();
        logger.info('hub closed');
      })();
      return closing;
    },
  };
}

/**
 * A socket's error listener for its whole life. A module-level function, not a closure in the upgrade
 * handler: that would keep the handler's request and head buffer alive as long as the socket (~1.5 KiB each).
 */
function destroyOnError(this: Duplex): void {
  this.destroy();
}

/** Resolves when every socket has closed, or after `ms`. */
async function closedOrDeadline(sockets: WebSocket[], ms: number): Promise<void> {
  // Not events.once: it rejects when the socket emits 'error' (a client's bad frame while closing).
  const allClosed = Promise.all(sockets.map((ws) => (ws.readyState === ws.CLOSED ? undefined : new Promise((resolve) => ws.once('close', resolve)))));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise((resolve) => (timer = setTimeout(resolve, ms)));
  await Promise.race([allClosed, deadline]);
  clearTimeout(timer);
}


/** An HTTP answer instead of the upgrade; `why` goes in the body so a person with curl can tell limits apart. */
function rejectUpgrade(socket: Duplex, status: number, text: string, why = ''): void {
  if (socket.destroyed) return;
  // No HTTP timeout covers an upgrade socket: destroy it once the answer is written, whatever the client does.
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(why)}\r\n\r\n${why}`);
}

/** The connections speaking roomwire's own protocol among the hub's sockets. */
function* nativeConnections(sockets: Iterable<WebSocket>): Iterable<Connection> {
  for (const ws of sockets) {
    const handler = (ws as HubSocket).handler;
    if (handler instanceof Connection) yield handler;
  }
}

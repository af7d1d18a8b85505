/**
 * The hub's one wiring function: HTTP (demo page, /healthz) and the signaling WebSocket at /ws on one
 * server, with the bus, the sessions and the heartbeat. Collaborators can be passed in (tests, Redis).
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { MemoryBus } from '../bus/memory-bus.ts';
import type { RoomBus } from '../bus/room-bus.ts';
import { CLOSE_CODES } from '../protocol/index.ts';
import { Connection } from './connection.ts';
import { startHeartbeat } from './heartbeat.ts';
import type { HubCore } from './hub-core.ts';
import { createJoinAuthorizer } from './join-token.ts';
import { createLogger, type Logger } from './logger.ts';
import { DEFAULT_PUBLIC_DIR, resolveHubOptions, type HubOptions } from './options.ts';
import { RoomWatch } from './room-watch.ts';
import { SessionRegistry } from './session-registry.ts';
import { createStaticHandler } from './static-files.ts';
import { withClientBundle } from './client-bundle.ts';
import { iceServersFor } from './turn-credentials.ts';

export const SIGNALING_PATH = '/ws';

export interface HubDeps {
  logger?: Logger;
  bus?: RoomBus;
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
  /** Stops accepting, closes every socket with 1001, cuts the rest after shutdownTimeoutMs. Idempotent. */
  close(): Promise<void>;
}

export function createHub(overrides: Partial<HubOptions> = {}, deps: HubDeps = {}): Hub {
  const options = resolveHubOptions(overrides);
  const logger = deps.logger ?? createLogger(options.logLevel, options.logFormat);
  const bus = deps.bus ?? new MemoryBus(options);
  const watch = new RoomWatch(bus, options.meshLimit);
  const sessions = new SessionRegistry(options, bus, watch, logger);
  const core: HubCore = {
    options,
    parseLimits: options,
    bus,
    sessions,
    watch,
    logger,
    authorizeJoin: createJoinAuthorizer(options.authSecret),
    iceServersFor: (peerId) => iceServersFor(options, peerId),
  };
  const startedAt = Date.now();
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.hardMaxFrameBytes, perMessageDeflate: false });
  const connections = new Set<Connection>();
  const serveStatic = withClientBundle(createStaticHandler(options.publicDir || DEFAULT_PUBLIC_DIR));

  const stats = (): HubStats => ({
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    connections: wss.clients.size,
    rooms: bus.stats().rooms,
    peers: sessions.size,
  });

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { allow: 'GET, HEAD' }).end();
    if (req.url === '/healthz') {
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', ...stats() }));
    }
    serveStatic(req, res).catch((err: unknown) => {
      logger.error({ err }, 'static file failed');
      res.destroy();
    });
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path !== SIGNALING_PATH) return rejectUpgrade(socket, 404, 'Not Found');
    if (wss.clients.size >= options.maxConnections) return rejectUpgrade(socket, 503, 'Service Unavailable');
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const conn = new Connection(ws, core);
      connections.add(conn);
      ws.once('close', () => connections.delete(conn));
    });
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  const stopHeartbeat = startHeartbeat(() => connections, options.heartbeatIntervalMs);
  let closing: Promise<void> | undefined;

  return {
    options,
    async listen() {
      server.listen(options.port, options.host);
      await once(server, 'listening');
      const address = server.address() as AddressInfo;
      logger.info({ host: address.address, port: address.port, path: SIGNALING_PATH }, 'hub listening');
      return address;
    },
    stats,
    close() {
      closing ??= (async () => {
        stopHeartbeat();
        sessions.close();
        server.close();
        const open = [...wss.clients];
        for (const ws of open) ws.close(CLOSE_CODES.goingAway, 'hub shutting down');
        const allClosed = Promise.all(open.map((ws) => (ws.readyState === ws.CLOSED ? undefined : once(ws, 'close'))));
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise((resolve) => (timer = setTimeout(resolve, options.shutdownTimeoutMs)));
        await Promise.race([allClosed, deadline]);
        clearTimeout(timer);
        for (const ws of wss.clients) ws.terminate();
        server.closeAllConnections();
        wss.close();
        await bus.close();
        logger.info('hub closed');
      })();
      return closing;
    },
  };
}

function rejectUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/**
 * y-webrtc's signaling server on the hub (`roomwire hub --y-webrtc`), at /y-webrtc. The hub admits the
 * upgrade as it admits /ws (drain, Origin, per-address limits) and asks hasRoom() for this endpoint's own
 * limit; then accept() takes the socket. Its sockets belong to the hub's WebSocket server, so the hub's
 * drain and close move and end them with the rest.
 */
import type WebSocket from 'ws';
import { startHeartbeat } from '../hub/heartbeat.ts';
import type { Logger } from '../hub/logger.ts';
import type { HubMetrics } from '../hub/ops/metrics.ts';
import { YWebrtcConnection, type YWebrtcCore, type YWebrtcOptions } from './y-webrtc-connection.ts';
import { YWebrtcMetrics } from './y-webrtc-metrics.ts';
import { MemoryTopicRegistry, type TopicRegistry } from './y-webrtc-topics.ts';

export const Y_WEBRTC_PATH = '/y-webrtc';

export interface YWebrtcEndpoint {
  /** Whether one more socket may connect (yWebrtcMaxConnections). */
  hasRoom(): boolean;
  accept(ws: WebSocket): void;
  /** Stops the heartbeat; the hub closes the sockets. Idempotent. */
  close(): void;
}

export interface YWebrtcDeps {
  metrics: HubMetrics;
  logger: Logger;
  /** Who subscribes to what: in memory unless given (a store shared by hubs, later). */
  topics?: TopicRegistry;
}

export function createYWebrtcEndpoint(options: YWebrtcOptions, deps: YWebrtcDeps): YWebrtcEndpoint {
  const connections = new Set<YWebrtcConnection>();
  const topics = deps.topics ?? new MemoryTopicRegistry(options.yWebrtcMaxTopics);
  const core: YWebrtcCore = {
    options,
    topics,
    metrics: new YWebrtcMetrics(deps.metrics.registry, { connections: () => connections.size, topics: () => topics.stats() }),
    hubMetrics: deps.metrics,
    logger: deps.logger,
  };
  const stopHeartbeat = startHeartbeat(() => connections, options.heartbeatIntervalMs);
  return {
    hasRoom: () => connections.size < options.yWebrtcMaxConnections,
    accept(ws) {
      const conn = new YWebrtcConnection(ws, core);
      connections.add(conn);
      ws.once('close', () => connections.delete(conn));
    },
    close: stopHeartbeat,
  };
}

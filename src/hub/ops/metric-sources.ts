/** The hub state the metrics gauges read when scraped: counted then, never on the message path. */
import type { RoomBus } from '../../bus/room-bus.ts';
import type { LinkPathName, PeerRole } from '../../protocol/index.ts';
import type { SessionRegistry } from '../session-registry.ts';
import type { MetricSources } from './metrics.ts';

export function hubMetricSources(bus: RoomBus, sessions: SessionRegistry, connections: () => number): MetricSources {
  return {
    connections,
    sessions: () => ({ connected: sessions.size - sessions.absentCount, grace: sessions.absentCount }),
    rooms: () => bus.stats().rooms,
    members: () => {
      const byRole: Record<PeerRole, number> = { peer: 0, server: 0 };
      for (const room of bus.roomNames()) for (const m of bus.members(room)) byRole[m.role]++;
      return byRole;
    },
    links: () => countLinks(sessions),
    ...(bus.hubId === undefined ? {} : { cluster: () => ({ redisUp: bus.health() === 'up' ? 1 : 0, otherHubs: bus.otherHubs() }) }),
  };
}

/**
 * Each link once: as reported by the end with the smaller peer id, or by the other end when that one has
 * not reported (an older client, or a peer on another hub).
 */
export function countLinks(sessions: SessionRegistry): Record<LinkPathName, number> {
  const counts: Record<LinkPathName, number> = { connecting: 0, direct: 0, turn: 0, relay: 0, star: 0 };
  for (const session of sessions.all()) {
    for (const [peerId, path] of session.linkPaths) {
      if (session.peerId < peerId || sessions.findByPeerId(peerId)?.linkPaths.has(session.peerId) !== true) counts[path]++;
    }
  }
  return counts;
}

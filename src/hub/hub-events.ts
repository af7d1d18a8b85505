/**
 * What happens on this hub, for the parts that watch it from outside the protocol: webhooks, metrics and
 * logs. Each event is emitted once, by the hub where it happened (with several hubs, by the hub that holds
 * the peer). A room starts with its first peer (role `peer`) and finishes when its last peer leaves; server
 * peers neither start nor keep a room.
 *
 * Listeners run synchronously on the hub's hot path: they must only queue work, never wait or throw (a
 * throwing listener is caught and logged).
 */
import type { PeerLeftReason, PeerRole } from '../protocol/index.ts';

export interface HubEventMap {
  'room-started': { room: string };
  'room-finished': { room: string };
  'peer-joined': { room: string; peerId: string; name: string; role: PeerRole };
  'peer-left': { room: string; peerId: string; name: string; role: PeerRole; reason: PeerLeftReason };
}

export type HubEventName = keyof HubEventMap;
export type HubEventListener = <E extends HubEventName>(event: E, data: HubEventMap[E]) => void;

export class HubEvents {
  private readonly listeners = new Set<HubEventListener>();

  constructor(private readonly onListenerError: (err: unknown) => void) {}

  /** Hears every event; returns the function that stops it. */
  listen(listener: HubEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit<E extends HubEventName>(event: E, data: HubEventMap[E]): void {
    for (const listener of this.listeners) {
      try {
        listener(event, data);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }
}

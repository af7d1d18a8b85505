/**
 * The PeerJS side's figures, in the hub's registry (/metrics) beside its own: the budgets, relayed bytes and
 * slow-consumer cuts are the hub's counters (the same limits hold them); connections, messages, errors and
 * expiries get roomwire_peerjs_* counters, with label children made once as in src/hub/ops/metrics.ts.
 */
import { Counter, Gauge } from 'prom-client';
import { PEERJS_ERROR_CODES, type PeerjsErrorCode } from '../protocol/codes.ts';
import { byLabel, type HubMetrics } from '../hub/ops/metrics.ts';
import { PEERJS_CLIENT_TYPES, type PeerjsClientType } from './peerjs-messages.ts';

export const PEERJS_CONNECTION_OUTCOMES = ['opened', 'taken-over', 'id-taken', 'refused'] as const;
export type PeerjsConnectionOutcome = (typeof PEERJS_CONNECTION_OUTCOMES)[number];
export type PeerjsExpiry = 'timeout' | 'queue-full';

export interface PeerjsMetricSources {
  clients(): number;
  queued(): number;
}

export class PeerjsMetrics {
  private readonly connections: Record<string, Counter.Internal>;
  private readonly messages: Record<string, Counter.Internal>;
  private readonly errors: Record<string, Counter.Internal>;
  private readonly expiries: Record<string, Counter.Internal>;

  constructor(readonly hub: HubMetrics, sources: PeerjsMetricSources) {
    const registers = [hub.registry];
    const children = (counter: Counter<string>, names: readonly string[]) => byLabel(names, (n) => counter.labels(n));
    this.connections = children(new Counter({
      name: 'roomwire_peerjs_connections_total', help: 'PeerJS WebSockets by outcome: opened (an id taken, OPEN sent), taken-over (same id and token), id-taken, refused (ERROR)', labelNames: ['outcome'], registers,
    }), PEERJS_CONNECTION_OUTCOMES);
    this.messages = children(new Counter({ name: 'roomwire_peerjs_messages_in_total', help: 'PeerJS client messages handled, by type', labelNames: ['type'], registers }), PEERJS_CLIENT_TYPES);
    this.errors = children(new Counter({ name: 'roomwire_peerjs_errors_total', help: 'ERROR frames sent to PeerJS clients, by payload.code', labelNames: ['code'], registers }), PEERJS_ERROR_CODES);
    this.expiries = children(new Counter({
      name: 'roomwire_peerjs_expired_total', help: 'EXPIRE frames sent: messages for an absent id timed out, or found its queue full', labelNames: ['reason'], registers,
    }), ['timeout', 'queue-full']);
    new Gauge({ name: 'roomwire_peerjs_clients', help: 'PeerJS ids held', registers, collect() { this.set(sources.clients()); } });
    new Gauge({ name: 'roomwire_peerjs_queued_messages', help: 'messages waiting for PeerJS ids that are not connected', registers, collect() { this.set(sources.queued()); } });
  }

  connection(outcome: PeerjsConnectionOutcome): void {
    this.connections[outcome]!.inc();
  }

  messageIn(type: PeerjsClientType): void {
    this.messages[type]!.inc();
  }

  error(code: PeerjsErrorCode): void {
    this.errors[code]!.inc();
  }

  expired(reason: PeerjsExpiry): void {
    this.expiries[reason]!.inc();
  }
}

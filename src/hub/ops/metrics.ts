/**
 * Prometheus metrics of one hub (prom-client), served at /metrics. Messages in are counted in plain numbers
 * and read into their counter when scraped (a prom-client child still validates and hashes its labels on
 * every inc); the handler latency histogram is observed per message into plain arrays; gauges are read from the hub's state
 * when scraped. Every metric carries a `node` label: with several hubs each
 * exports its own figures, and the admin API gives the cluster-wide view.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { PlainHistogram } from './plain-histogram.ts';
import { CLIENT_MESSAGE_TYPES, ERROR_CODES, LINK_PATHS, type ClientMessageType, type ErrorCode, type LinkPathName, type PeerRole } from '../../protocol/index.ts';

export type Budget = 'messages' | 'bytes' | 'joins' | 'connections';

/** What the gauges read, when scraped. */
export interface MetricSources {
  connections(): number;
  sessions(): { connected: number; grace: number };
  rooms(): number;
  members(): Record<PeerRole, number>;
  links(): Record<LinkPathName, number>;
  /** With Redis: 1 while it answers, 0 while not; and the other hubs alive. Undefined without Redis. */
  cluster?(): { redisUp: number; otherHubs: number };
}

/** One value per label value, made once (label children, or plain counts). */
export function byLabel<T>(names: readonly string[], make: (name: string) => T): Record<string, T> {
  return Object.fromEntries(names.map((n) => [n, make(n)])) as Record<string, T>;
}

export class HubMetrics {
  readonly registry = new Registry();
  /** Per message: plain numbers, read into the counter when scraped (a prom-client child still hashes its labels). */
  private readonly messageCounts: Record<string, number>;
  private readonly errorsOut: Record<string, Counter.Internal>;
  private readonly rateLimitedBy: Record<string, Counter.Internal>;
  private readonly relayed: Counter;
  private readonly slowConsumers: Counter;
  private readonly resumesBy: Record<'ok' | 'failed', Counter.Internal>;
  private readonly handlerLatency: PlainHistogram;
  private readonly upgradesRefused: Counter<'status'>;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });

    const messageCounts = (this.messageCounts = byLabel(CLIENT_MESSAGE_TYPES, () => 0));
    new Counter({
      name: 'roomwire_messages_in_total', help: 'client messages handled, by type', labelNames: ['type'], registers,
      collect() {
        this.reset();
        for (const [type, n] of Object.entries(messageCounts)) this.inc({ type }, n);
      },
    });
    const errors = new Counter({ name: 'roomwire_errors_total', help: 'error replies sent, by code', labelNames: ['code'], registers });
    this.errorsOut = byLabel(ERROR_CODES, (c) => errors.labels(c));
    const limited = new Counter({ name: 'roomwire_rate_limited_total', help: 'refusals by a budget: messages, bytes, joins (per address), connections (per address)', labelNames: ['budget'], registers });
    this.rateLimitedBy = byLabel(['messages', 'bytes', 'joins', 'connections'], (b) => limited.labels(b));
    this.relayed = new Counter({ name: 'roomwire_relayed_bytes_total', help: 'bytes of signal and relay frames written to receivers (a broadcast counts once per receiver)', registers });
    this.slowConsumers = new Counter({ name: 'roomwire_slow_consumer_cuts_total', help: 'sockets closed with 4008 for reading too slowly', registers });
    const resumes = new Counter({ name: 'roomwire_resumes_total', help: 'resume attempts, by outcome', labelNames: ['outcome'], registers });
    this.resumesBy = { ok: resumes.labels('ok'), failed: resumes.labels('failed') };
    this.handlerLatency = new PlainHistogram(
      'roomwire_handler_seconds', 'time from a message arriving to its handler finishing, by type', 'type', CLIENT_MESSAGE_TYPES,
      [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1], this.registry,
    );
    this.upgradesRefused = new Counter({ name: 'roomwire_upgrades_refused_total', help: 'WebSocket upgrades answered with an HTTP error, by status', labelNames: ['status'], registers });

    new Gauge({ name: 'roomwire_connections', help: 'open WebSockets', registers, collect() { this.set(sources.connections()); } });
    new Gauge({
      name: 'roomwire_sessions', help: 'sessions, connected or waiting in their resume grace', labelNames: ['state'], registers,
      collect() {
        const s = sources.sessions();
        this.set({ state: 'connected' }, s.connected);
        this.set({ state: 'grace' }, s.grace);
      },
    });
    new Gauge({ name: 'roomwire_rooms', help: 'rooms with at least one member (with Redis: a member on this hub)', registers, collect() { this.set(sources.rooms()); } });
    const cluster = sources.cluster;
    if (cluster !== undefined) {
      new Gauge({ name: 'roomwire_redis_up', help: 'with --redis-url: 1 while Redis answers, 0 while the hub refuses what needs it', registers, collect() { this.set(cluster().redisUp); } });
      new Gauge({ name: 'roomwire_other_hubs', help: 'with --redis-url: other hubs alive on the same Redis, as last seen', registers, collect() { this.set(cluster().otherHubs); } });
    }
    new Gauge({
      name: 'roomwire_members', help: 'room memberships, by role', labelNames: ['role'], registers,
      collect() { for (const [role, n] of Object.entries(sources.members())) this.set({ role }, n); },
    });
    new Gauge({
      name: 'roomwire_links', help: 'links between room mates as their clients report them, by path (each link counted once)', labelNames: ['path'], registers,
      collect() {
        const counts = sources.links();
        for (const path of LINK_PATHS) this.set({ path }, counts[path] ?? 0);
      },
    });
  }

  /** Every metric gets node="<id>" (set once the hub knows its address). */
  setNode(node: string): void {
    this.registry.setDefaultLabels({ node });
  }

  /** Client messages handled since start, as a plain number (the admin page's messages/s). */
  messagesTotal = 0;

  messageIn(type: ClientMessageType): void {
    this.messageCounts[type]!++;
    this.messagesTotal++;
  }

  handled(type: ClientMessageType, seconds: number): void {
    this.handlerLatency.observe(type, seconds);
  }

  error(code: ErrorCode): void {
    this.errorsOut[code]!.inc();
  }

  rateLimited(budget: Budget): void {
    this.rateLimitedBy[budget]!.inc();
  }

  relayedBytes(bytes: number): void {
    this.relayed.inc(bytes);
  }

  slowConsumerCut(): void {
    this.slowConsumers.inc();
  }

  resume(ok: boolean): void {
    this.resumesBy[ok ? 'ok' : 'failed'].inc();
  }

  upgradeRefused(status: number): void {
    this.upgradesRefused.inc({ status: String(status) });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

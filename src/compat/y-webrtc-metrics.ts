/**
 * The y-webrtc endpoint's own metrics, in the hub's registry (so they carry its `node` label and are served
 * at /metrics). Errors, rate limits, slow consumers and refused upgrades count in the hub's own metrics.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { Y_WEBRTC_MESSAGE_TYPES, type YWebrtcMessageType } from './y-webrtc-messages.ts';
import { byLabel } from '../hub/ops/metrics.ts';

export interface YWebrtcMetricSources {
  connections(): number;
  topics(): { topics: number; subscriptions: number };
}

export class YWebrtcMetrics {
  private readonly messagesIn: Record<YWebrtcMessageType, Counter.Internal>;
  private readonly published: Counter;

  constructor(registry: Registry, sources: YWebrtcMetricSources) {
    const registers = [registry];
    const messages = new Counter({ name: 'roomwire_y_webrtc_messages_in_total', help: 'y-webrtc messages handled, by type', labelNames: ['type'], registers });
    this.messagesIn = byLabel(Y_WEBRTC_MESSAGE_TYPES, (t) => messages.labels(t)) as Record<YWebrtcMessageType, Counter.Internal>;
    this.published = new Counter({ name: 'roomwire_y_webrtc_published_bytes_total', help: 'bytes of y-webrtc publish frames written to subscribers (once per subscriber)', registers });
    new Gauge({ name: 'roomwire_y_webrtc_connections', help: 'open y-webrtc signaling sockets', registers, collect() { this.set(sources.connections()); } });
    new Gauge({
      name: 'roomwire_y_webrtc_topics', help: 'y-webrtc topics with at least one subscriber (`kind` topics), and subscriptions (`kind` subscriptions)', labelNames: ['kind'], registers,
      collect() {
        const s = sources.topics();
        this.set({ kind: 'topics' }, s.topics);
        this.set({ kind: 'subscriptions' }, s.subscriptions);
      },
    });
  }

  messageIn(type: YWebrtcMessageType): void {
    this.messagesIn[type].inc();
  }

  publishedBytes(bytes: number): void {
    this.published.inc(bytes);
  }
}

/**
 * Webhooks: every room-started, room-finished, peer-joined and peer-left this hub sees is POSTed, signed, to
 * each configured receiver. The hub emits each event once, on the hub where it happened (hub-events.ts), so
 * with several hubs each event is sent once. The listener runs on the hub's hot path: it only serializes
 * the body and queues it; delivery (webhook-receiver.ts) runs beside the hub and never holds it up.
 */
import { randomUUID } from 'node:crypto';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { HubEventMap, HubEventName, HubEvents } from '../hub-events.ts';
import type { Logger } from '../logger.ts';
import { ATTEMPT_RESULTS, WebhookReceiver, type AttemptResult, type DeliveryCounters, type WebhookDeliveryOptions } from './webhook-receiver.ts';

export interface WebhookOptions extends WebhookDeliveryOptions {
  webhookUrl: string[];
}

/** The JSON body of a webhook: the event's fields, the hub that saw it, when, and an id to drop duplicates. */
export type WebhookBody = { [E in HubEventName]: { event: E } & HubEventMap[E] & { node: string; at: string; id: string } }[HubEventName];

export interface WebhookDeps {
  events: HubEvents;
  /** The hub's metrics registry (its default `node` label applies). */
  registry: Registry;
  /** This hub's name, known once it listens (events come only after that). */
  node: () => string;
  logger: Logger;
}

export interface Webhooks {
  /** Stops listening, drops what is queued, aborts requests in flight. Idempotent; resolves promptly. */
  close(): Promise<void>;
}

/** Starts delivery when receivers are configured; undefined (and no listener, no metrics) when none are. */
export function startWebhooks(options: WebhookOptions, deps: WebhookDeps): Webhooks | undefined {
  if (options.webhookUrl.length === 0) return undefined;
  const counters = webhookCounters(deps.registry, () => receivers.reduce((n, r) => n + r.depth, 0));
  const receivers = options.webhookUrl.map((url) => new WebhookReceiver(url, options, counters, deps.logger));
  const stop = deps.events.listen((event, data) => {
    const body: WebhookBody = { event, ...data, node: deps.node(), at: new Date().toISOString(), id: randomUUID() } as WebhookBody;
    const text = JSON.stringify(body); // once for every receiver: queues share the string
    for (const receiver of receivers) receiver.push(text);
  });
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= (async () => {
        stop();
        await Promise.all(receivers.map((r) => r.close()));
      })();
      return closing;
    },
  };
}

function webhookCounters(registry: Registry, depth: () => number): DeliveryCounters {
  const registers = [registry];
  // Label children made once, and shown at 0 from the start (prom-client shows a child once it is bumped).
  const child = (counter: Counter<string>, value: string) => {
    const c = counter.labels(value);
    c.inc(0);
    return c;
  };
  const sent = new Counter({ name: 'roomwire_webhooks_sent_total', help: 'webhooks (one event to one receiver) done with: delivered (a 2xx), or failed after webhookMaxAttempts tries', labelNames: ['outcome'], registers });
  const done = { delivered: child(sent, 'delivered'), failed: child(sent, 'failed') };
  const attempts = new Counter({ name: 'roomwire_webhook_attempts_total', help: 'webhook requests, by result: ok, http-error (not a 2xx), timeout, network-error', labelNames: ['result'], registers });
  const results = Object.fromEntries(ATTEMPT_RESULTS.map((r) => [r, child(attempts, r)])) as Record<AttemptResult, Counter.Internal>;
  const overflow = new Counter({ name: 'roomwire_webhook_queue_overflow_total', help: 'webhooks dropped, the oldest first, because a receiver\'s queue held webhookQueueSize', registers });
  new Gauge({ name: 'roomwire_webhook_queue_depth', help: 'webhooks waiting to be sent, all receivers together (not counting those in flight)', registers, collect() { this.set(depth()); } });
  return {
    attempt: (result) => results[result].inc(),
    done: (outcome) => done[outcome].inc(),
    overflow: () => overflow.inc(),
  };
}

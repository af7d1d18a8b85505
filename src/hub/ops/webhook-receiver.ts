/**
 * Delivery to one webhook receiver (one URL): a bounded queue of serialized bodies and at most
 * `webhookConcurrency` requests in flight, so a dead receiver holds that many sockets and no more. With one
 * request in flight (the default) events arrive in the order they happened: the head is retried, with
 * backoff, before anything behind it is sent. A full queue drops its oldest body: after an outage the
 * receiver gets the freshest events, which say most about the rooms as they are now.
 *
 * Requests go through node:http with an agent of this receiver's own, whose maxSockets is the concurrency:
 * fetch's shared pool opens a spare connection after each aborted request (seen here: twice the sockets
 * against a receiver that never answers). Every wait (a request, a backoff) has its own AbortController,
 * so close() can end them all at once; not AbortSignal.any() with one long-lived signal, whose composites
 * stay referenced by it (nodejs/node#55351).
 */
import { createHmac } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger.ts';

export interface WebhookDeliveryOptions {
  webhookSecret: string;
  webhookQueueSize: number;
  webhookMaxAttempts: number;
  webhookRetryBaseMs: number;
  webhookRetryMaxMs: number;
  webhookTimeoutMs: number;
  webhookConcurrency: number;
}

/** How one try went: a 2xx, another status, no answer within webhookTimeoutMs, or no connection at all. */
export const ATTEMPT_RESULTS = ['ok', 'http-error', 'timeout', 'network-error'] as const;
export type AttemptResult = (typeof ATTEMPT_RESULTS)[number];

export interface DeliveryCounters {
  attempt(result: AttemptResult): void;
  /** A body left the queue for good: delivered, or given up after webhookMaxAttempts tries. */
  done(outcome: 'delivered' | 'failed'): void;
  overflow(): void;
}

/** `sha256=` + hex HMAC-SHA256(secret, `<timestamp>.<body>`): what x-roomwire-signature carries. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export class WebhookReceiver {
  private readonly queue: string[] = [];
  private readonly workers = new Set<Promise<void>>();
  private readonly waits = new Set<AbortController>();
  private closed = false;
  /** Where, for logs: the origin only, as the path or query may hold a receiver's token. */
  private readonly where: string;
  private readonly request: typeof httpRequest;
  private readonly agent: HttpAgent;

  constructor(
    private readonly url: string,
    private readonly o: WebhookDeliveryOptions,
    private readonly counters: DeliveryCounters,
    private readonly logger: Logger,
  ) {
    const target = new URL(url);
    this.where = target.origin;
    const https = target.protocol === 'https:';
    this.request = https ? httpsRequest : httpRequest;
    // Its own agent: at most webhookConcurrency sockets to this receiver, kept alive between tries, all
    // destroyed by close().
    this.agent = new (https ? HttpsAgent : HttpAgent)({ keepAlive: true, maxSockets: o.webhookConcurrency });
  }

  /** Bodies waiting (not those in flight). */
  get depth(): number {
    return this.queue.length;
  }

  /** Queues a body and returns at once; called on the hub's hot path. */
  push(body: string): void {
    if (this.closed) return;
    if (this.queue.length >= this.o.webhookQueueSize) {
      this.queue.shift();
      this.counters.overflow();
    }
    this.queue.push(body);
    if (this.workers.size >= this.o.webhookConcurrency) return;
    // The worker takes the body synchronously (an async function runs to its first await).
    const worker: Promise<void> = this.work().finally(() => this.workers.delete(worker));
    this.workers.add(worker);
  }

  /** Drops what waits, ends requests and backoffs in flight, and resolves when the workers are gone. */
  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    for (const wait of this.waits) wait.abort();
    await Promise.all(this.workers);
    this.agent.destroy();
  }

  private async work(): Promise<void> {
    for (let body = this.queue.shift(); body !== undefined && !this.closed; body = this.queue.shift()) {
      await this.deliver(body);
    }
  }

  private async deliver(body: string): Promise<void> {
    let result: AttemptResult = 'network-error';
    for (let attempt = 1; attempt <= this.o.webhookMaxAttempts; attempt++) {
      if (attempt > 1 && !(await this.wait(this.backoffMs(attempt - 1)))) return;
      if (this.closed) return;
      result = await this.post(body);
      if (this.closed) return; // cut by close(): not the receiver's doing, so not counted
      this.counters.attempt(result);
      if (result === 'ok') return this.counters.done('delivered');
    }
    this.counters.done('failed');
    this.logger.warn({ receiver: this.where, attempts: this.o.webhookMaxAttempts, last: result }, 'webhook given up');
  }

  /** Exponential, capped, with jitter (50-100% of the step) so hubs that failed together do not retry together. */
  private backoffMs(retry: number): number {
    const step = Math.min(this.o.webhookRetryMaxMs, this.o.webhookRetryBaseMs * 2 ** (retry - 1));
    return step / 2 + Math.random() * (step / 2);
  }

  /** False when close() ended the wait. */
  private async wait(ms: number): Promise<boolean> {
    if (this.closed) return false;
    const abort = new AbortController();
    this.waits.add(abort);
    try {
      await sleep(ms, undefined, { signal: abort.signal });
      return true;
    } catch {
      return false;
    } finally {
      this.waits.delete(abort);
    }
  }

  /** One try: the request and the whole answer within webhookTimeoutMs (a trickling answer cannot hold a slot). */
  private post(body: string): Promise<AttemptResult> {
    const abort = new AbortController();
    this.waits.add(abort);
    // Signed at each try, so that a retry carries a fresh timestamp and passes the receiver's freshness check.
    const timestamp = String(Math.floor(Date.now() / 1000));
    return new Promise<AttemptResult>((resolve) => {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        abort.abort();
      }, this.o.webhookTimeoutMs);
      const done = (result: AttemptResult) => {
        clearTimeout(timer);
        this.waits.delete(abort);
        resolve(result); // once: later calls change nothing
      };
      const failed = () => done(timedOut ? 'timeout' : 'network-error');
      const req = this.request(this.url, {
        method: 'POST',
        agent: this.agent,
        signal: abort.signal,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'roomwire-webhooks',
          'x-roomwire-timestamp': timestamp,
          'x-roomwire-signature': signWebhook(this.o.webhookSecret, timestamp, body),
        },
      }, (res) => {
        const status = res.statusCode ?? 0;
        // A 3xx is a failed try: redirects are not followed, so the signed body goes nowhere else.
        res.on('end', () => done(status >= 200 && status < 300 ? 'ok' : 'http-error')).on('error', failed).on('close', failed);
        res.resume(); // read to the end (and discard) so the socket can carry the next try
      });
      req.on('error', failed);
      req.end(body);
    });
  }
}

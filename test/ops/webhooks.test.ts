/**
 * Webhooks from outside: a real hub, raw protocol clients making real room flows, and real HTTP receivers
 * on loopback that check every signature themselves (and with the snippet docs/operations.md gives).
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createHub } from '../../src/hub/create-hub.ts';
import type { HubOptions } from '../../src/hub/options.ts';
import { startHub, type TestHub } from '../helpers/hub.ts';
import { parsePrometheus, valueOf } from '../helpers/prometheus.ts';
import { until } from '../helpers/room-clients.ts';
import { TestClient } from '../helpers/test-client.ts';
import { startReceiver, type Answer, type TestReceiver } from '../helpers/webhook-receiver.ts';

const SECRET = 'webhook-secret-webhook-secret-webhook-secret';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function receiver(answer?: (n: number) => Answer, port?: number): Promise<TestReceiver> {
  const r = await startReceiver(SECRET, answer, port);
  cleanups.push(() => r.close());
  return r;
}

async function hubTo(urls: string[], options: Partial<HubOptions> = {}): Promise<TestHub> {
  const t = await startHub({ webhookUrl: urls, webhookSecret: SECRET, resumeGraceMs: 0, ...options });
  cleanups.push(() => t.hub.close());
  return t;
}

async function webhookMetrics(t: TestHub) {
  const samples = parsePrometheus(await (await fetch(`${t.httpUrl}/metrics`)).text());
  return {
    sent: (outcome: string) => valueOf(samples, 'roomwire_webhooks_sent_total', { outcome }),
    attempts: (result: string) => valueOf(samples, 'roomwire_webhook_attempts_total', { result }),
    overflow: valueOf(samples, 'roomwire_webhook_queue_overflow_total'),
    depth: valueOf(samples, 'roomwire_webhook_queue_depth'),
  };
}

/** The events as a receiver saw them, without what changes from run to run. */
const events = (r: TestReceiver) => r.deliveries.map(({ body: { at, id, node, ...rest } }) => rest);

/** verifyRoomwireWebhook, as docs/operations.md prints it. */
async function docsVerifier(): Promise<(secret: string, headers: object, raw: string | Buffer) => boolean> {
  const ops = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
  const section = ops.slice(ops.indexOf('## Webhooks'));
  const code = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  expect(code).toContain('export function verifyRoomwireWebhook');
  const file = join(mkdtempSync(join(tmpdir(), 'roomwire-webhook-')), 'verify.mjs');
  writeFileSync(file, code!);
  return ((await import(pathToFileURL(file).href)) as { verifyRoomwireWebhook: never }).verifyRoomwireWebhook;
}

describe('webhooks', () => {
  it('POSTs all four events of a room, signed, to every receiver, each event once with one id', async () => {
    const [r1, r2] = [await receiver(), await receiver()];
    const t = await hubTo([r1.url, r2.url], { nodeId: 'hub-w' });
    const before = Date.now();
    const ann = await TestClient.connect(t.url);
    const bob = await TestClient.connect(t.url);
    await ann.join('w', 'ann');
    await bob.join('w', 'bob');
    await bob.close(); // deliberate: reason left
    await ann.next('peer-left');
    await ann.kill(); // lost, and no resume grace: reason disconnected
    await until(() => r1.deliveries.length === 6 && r2.deliveries.length === 6, 'six webhooks at each receiver');

    const peer = (c: TestClient, name: string) => ({ room: 'w', peerId: c.peerId, name, role: 'peer' });
    const expected = [
      { event: 'room-started', room: 'w' },
      { event: 'peer-joined', ...peer(ann, 'ann') },
      { event: 'peer-joined', ...peer(bob, 'bob') },
      { event: 'peer-left', ...peer(bob, 'bob'), reason: 'left' },
      { event: 'peer-left', ...peer(ann, 'ann'), reason: 'disconnected' },
      { event: 'room-finished', room: 'w' },
    ];
    expect(events(r1)).toEqual(expected);
    expect(events(r2)).toEqual(expected);
    expect([...r1.problems, ...r2.problems]).toEqual([]);
    for (const d of r1.deliveries) {
      expect(d.body.node).toBe('hub-w');
      const at = Date.parse(String(d.body.at));
      expect(at).toBeGreaterThanOrEqual(before - 1);
      expect(at).toBeLessThanOrEqual(Date.now());
      expect(d.headers['user-agent']).toBe('roomwire-webhooks');
    }
    const ids = r1.deliveries.map((d) => d.body.id);
    expect(new Set(ids).size).toBe(6);
    expect(r2.deliveries.map((d) => d.body.id)).toEqual(ids);

    // The documented verifier accepts these, and refuses a changed body, another key, an old timestamp.
    const verify = await docsVerifier();
    for (const d of r1.deliveries) expect(verify(SECRET, d.headers, Buffer.from(d.raw))).toBe(true);
    const d = r1.deliveries[0]!;
    expect(verify(SECRET, d.headers, d.raw.replace('"w"', '"x"'))).toBe(false);
    expect(verify(SECRET.replace('w', 'W'), d.headers, d.raw)).toBe(false);
    const old = String(Math.floor(Date.now() / 1000) - 3_600);
    const oldSignature = 'sha256=' + createHmac('sha256', SECRET).update(`${old}.${d.raw}`).digest('hex');
    expect(verify(SECRET, { 'x-roomwire-timestamp': old, 'x-roomwire-signature': oldSignature }, d.raw)).toBe(false);

    const m = await webhookMetrics(t);
    expect([m.sent('delivered'), m.attempts('ok'), m.sent('failed'), m.overflow, m.depth]).toEqual([12, 12, 0, 0, 0]);
  });

  it('retries a receiver that is down, then answers 503, then comes up: every event arrives once, in order', async () => {
    const gone = await startReceiver(SECRET);
    await gone.close(); // its port now refuses connections
    const t = await hubTo([`http://127.0.0.1:${gone.port}/hook`], { webhookRetryBaseMs: 20, webhookRetryMaxMs: 100, webhookMaxAttempts: 200 });
    const a = await TestClient.connect(t.url);
    const b = await TestClient.connect(t.url);
    await a.join('d', 'a');
    await b.join('d', 'b');
    b.send({ type: 'leave', room: 'd' });
    await b.next('left');
    for (let i = 0; i < 200 && ((await webhookMetrics(t)).attempts('network-error') ?? 0) < 2; i++) await new Promise((r) => setTimeout(r, 20));

    const r = await receiver((n) => (n <= 2 ? 503 : 204), gone.port);
    await until(() => r.deliveries.length === 4, 'four webhooks');
    expect(events(r).map((e) => [e.event, e.name])).toEqual([['room-started', undefined], ['peer-joined', 'a'], ['peer-joined', 'b'], ['peer-left', 'b']]);
    expect(r.requests()).toBe(6); // the two 503s and one each: nothing sent twice once it got a 2xx
    expect(r.problems).toEqual([]);
    const m = await webhookMetrics(t);
    expect(m.attempts('network-error')).toBeGreaterThanOrEqual(2);
    expect([m.attempts('http-error'), m.attempts('ok'), m.sent('delivered'), m.sent('failed')]).toEqual([2, 4, 4, 0]);
    await Promise.all([a.close(), b.close()]);
  });

  it('gives a webhook up after webhookMaxAttempts tries and goes on with the next', async () => {
    const r = await receiver((n) => (n <= 3 ? 503 : 204));
    const t = await hubTo([r.url], { webhookRetryBaseMs: 10, webhookRetryMaxMs: 20, webhookMaxAttempts: 3 });
    const a = await TestClient.connect(t.url);
    await a.join('g', 'a');
    await until(() => r.deliveries.length === 1, 'the second webhook');
    expect(events(r).map((e) => e.event)).toEqual(['peer-joined']);
    expect(r.requests()).toBe(4);
    const m = await webhookMetrics(t);
    expect([m.attempts('http-error'), m.sent('failed'), m.sent('delivered')]).toEqual([3, 1, 1]);
    await a.close();
  });

  it('drops the oldest waiting webhook when a receiver\'s queue is full, and counts it', async () => {
    const r = await receiver((n) => (n === 1 ? 'hold' : 204));
    const t = await hubTo([r.url], { webhookQueueSize: 3, webhookTimeoutMs: 10_000 });
    const a = await TestClient.connect(t.url);
    await a.join('o1', 'a'); // room-started o1 is in flight, held; peer-joined o1 waits
    await until(() => r.requests() === 1, 'the held request');
    await a.join('o2', 'a');
    await a.join('o3', 'a'); // four more: the queue of 3 drops peer-joined o1 and room-started o2
    let m = await webhookMetrics(t);
    expect([m.overflow, m.depth]).toEqual([2, 3]);
    r.release();
    await until(() => r.deliveries.length === 4, 'four webhooks');
    expect(events(r).map((e) => `${e.event} ${e.room}`)).toEqual(['room-started o1', 'peer-joined o2', 'room-started o3', 'peer-joined o3']);
    m = await webhookMetrics(t);
    expect([m.overflow, m.depth, m.sent('delivered')]).toEqual([2, 0, 4]);
    await a.close();
  });

  it('a receiver that never answers slows nothing: the hub relays, the queue overflows, close() ends it all', async () => {
    const r = await receiver(() => 'hang');
    const t = await hubTo([r.url], { webhookQueueSize: 5, webhookConcurrency: 2, webhookTimeoutMs: 100, webhookRetryBaseMs: 10, webhookRetryMaxMs: 20, webhookMaxAttempts: 1_000 });
    const a = await TestClient.connect(t.url);
    const b = await TestClient.connect(t.url);
    await a.join('h', 'a'); // room-started and peer-joined a take both request slots
    await b.join('h', 'b');
    for (let i = 0; i < 10; i++) {
      const c = await TestClient.connect(t.url);
      await c.join('h', `c${i}`);
      await c.close();
      await a.next('peer-left'); // the hub has seen it go
    }
    // peer-joined b and 20 more into a queue of 5: 16 dropped, while the first two are tried again and again.
    for (let i = 0; i < 200; i++) {
      a.send({ type: 'relay', to: b.peerId, data: { ping: i } });
      expect((await b.next('relay')).data).toEqual({ ping: i });
      b.send({ type: 'relay', to: a.peerId, data: { pong: i } });
      expect((await a.next('relay')).data).toEqual({ pong: i });
    }
    for (let i = 0; i < 200 && ((await webhookMetrics(t)).attempts('timeout') ?? 0) < 6; i++) await new Promise((res) => setTimeout(res, 20));
    const m = await webhookMetrics(t);
    expect([m.overflow, m.depth, m.sent('delivered'), m.sent('failed')]).toEqual([16, 5, 0, 0]);
    expect(m.attempts('timeout')).toBeGreaterThanOrEqual(6); // three per slot, each on a new connection
    expect(r.maxOpen()).toBe(2); // webhookConcurrency: timed-out tries close their sockets, none pile up

    await Promise.all([a.close(), b.close()]);
    await t.hub.close();
    await until(() => r.open() === 0, 'the hung requests cut by close()');
  });

  it('refuses to start with URLs and no (or a short) secret, or a URL that is not http(s)', () => {
    const make = (o: Partial<HubOptions>) => () => createHub({ port: 0, logLevel: 'silent', ...o });
    expect(make({ webhookUrl: ['http://127.0.0.1:1/'] })).toThrow(/webhookSecret/);
    expect(make({ webhookUrl: ['http://127.0.0.1:1/'], webhookSecret: 'short' })).toThrow(/at least 32 bytes/);
    expect(make({ webhookUrl: ['ftp://127.0.0.1/'], webhookSecret: SECRET })).toThrow(/not an http or https URL/);
    expect(make({ webhookUrl: ['not a url'], webhookSecret: SECRET })).toThrow(/not an http or https URL/);
    expect(make({ webhookUrl: ['http://127.0.0.1:1/'], webhookSecret: SECRET, webhookRetryBaseMs: 100, webhookRetryMaxMs: 10 })).toThrow(/webhookRetryMaxMs/);
    expect(make({ webhookQueueSize: 0 })).toThrow(/webhookQueueSize must be a positive number/);
  });
});

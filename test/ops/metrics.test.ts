/** /metrics and /readyz from outside: a real hub, real werift room clients, a Prometheus text parser. */
import { describe, expect, it } from 'vitest';
import { parsePrometheus, valueOf } from '../helpers/prometheus.ts';
import { startHub } from '../helpers/hub.ts';
import { collect, connectClient, until, untilPaths } from '../helpers/room-clients.ts';
import { TestClient } from '../helpers/test-client.ts';

async function scrape(httpUrl: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${httpUrl}/metrics`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return parsePrometheus(await res.text());
}

describe('/metrics', () => {
  it('counts connections, sessions, rooms, members, messages, errors, relayed bytes and links by path', async () => {
    const t = await startHub({ nodeId: 'hub-a' });
    const a = await connectClient(t.url);
    const b = await connectClient(t.url);
    const [ra, rb] = [await a.join('m', { name: 'a' }), await b.join('m', { name: 'b' })];
    await untilPaths(ra, 1, ['direct']);
    await untilPaths(rb, 1, ['direct']);
    const got = collect(rb);
    ra.send('hello');
    await until(() => got.length === 1, 'the message');

    // A raw client misbehaves: bad JSON, an unknown type, then a flood past its message budget.
    const raw = await TestClient.connect(t.url);
    raw.sendRaw('{nope');
    await raw.nextError('bad-json');
    raw.send({ type: 'warp' });
    await raw.nextError('unknown-type');
    for (let i = 0; i < 450; i++) raw.send({ type: 'refresh-ice' }); // past messageBurst (400)
    await raw.take((m): m is never => m.type === 'error' && m.code === 'rate-limited', 'rate-limited');
    await raw.kill();

    // Link paths arrive as reports from the clients: wait until both ends have told.
    let samples = await scrape(t.httpUrl);
    for (let i = 0; i < 100 && (valueOf(samples, 'roomwire_links', { path: 'direct' }) !== 1 || valueOf(samples, 'roomwire_connections') !== 2); i++) {
      await new Promise((r) => setTimeout(r, 50));
      samples = await scrape(t.httpUrl);
    }
    expect(valueOf(samples, 'roomwire_connections', { node: 'hub-a' })).toBe(2);
    expect(valueOf(samples, 'roomwire_sessions', { state: 'connected' })).toBe(2);
    expect(valueOf(samples, 'roomwire_rooms')).toBe(1);
    expect(valueOf(samples, 'roomwire_members', { role: 'peer' })).toBe(2);
    expect(valueOf(samples, 'roomwire_links', { path: 'direct' })).toBe(1);
    expect(valueOf(samples, 'roomwire_links', { path: 'relay' })).toBe(0);
    expect(valueOf(samples, 'roomwire_messages_in_total', { type: 'join' })).toBe(2);
    expect(valueOf(samples, 'roomwire_messages_in_total', { type: 'signal' })).toBeGreaterThan(0);
    expect(valueOf(samples, 'roomwire_messages_in_total', { type: 'link-path' })).toBeGreaterThanOrEqual(2);
    expect(valueOf(samples, 'roomwire_errors_total', { code: 'bad-json' })).toBe(1);
    expect(valueOf(samples, 'roomwire_errors_total', { code: 'unknown-type' })).toBe(1);
    expect(valueOf(samples, 'roomwire_rate_limited_total', { budget: 'messages' })).toBeGreaterThan(0);
    expect(valueOf(samples, 'roomwire_relayed_bytes_total')).toBeGreaterThan(0);
    expect(valueOf(samples, 'roomwire_handler_seconds_count', { type: 'join' })).toBe(2);
    expect(valueOf(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(valueOf(samples, 'nodejs_eventloop_lag_seconds')).toBeDefined();
    expect(samples.every((s) => s.labels.node === 'hub-a')).toBe(true);

    await Promise.all([a.close(), b.close()]);
    await t.hub.close();
  }, 30_000);

  it('counts resumes, both ways, and sessions in their grace', async () => {
    const t = await startHub({ resumeGraceMs: 30_000 });
    const c = await TestClient.connect(t.url);
    await c.join('r');
    await c.kill();
    await until(() => t.hub.stats().connections === 0, 'the socket gone');
    let samples = await scrape(t.httpUrl);
    expect(valueOf(samples, 'roomwire_sessions', { state: 'grace' })).toBe(1);
    const { client } = await TestClient.resume(t.url, c);
    const stranger = await TestClient.connect(t.url);
    stranger.send({ type: 'resume', token: 'nope', received: 0 });
    await stranger.nextError('resume-failed');
    samples = await scrape(t.httpUrl);
    expect(valueOf(samples, 'roomwire_resumes_total', { outcome: 'ok' })).toBe(1);
    expect(valueOf(samples, 'roomwire_resumes_total', { outcome: 'failed' })).toBe(1);
    expect(valueOf(samples, 'roomwire_sessions', { state: 'grace' })).toBe(0);
    await Promise.all([client.close(), stranger.close()]);
    await t.hub.close();
  });

  it('with metricsToken, answers 401 without the bearer token', async () => {
    const token = 'metrics-token-metrics-token-metrics-token';
    const t = await startHub({ metricsToken: token });
    expect((await fetch(`${t.httpUrl}/metrics`)).status).toBe(401);
    expect((await fetch(`${t.httpUrl}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const samples = await scrape(t.httpUrl, { authorization: `Bearer ${token}` });
    expect(valueOf(samples, 'roomwire_connections')).toBe(0);
    await t.hub.close();
  });
});

describe('/readyz', () => {
  it('is 200 while the hub takes sockets', async () => {
    const t = await startHub();
    const res = await fetch(`${t.httpUrl}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready' });
    await t.hub.close();
  });
});

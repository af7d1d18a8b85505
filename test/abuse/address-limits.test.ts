/**
 * Limits per client address: open connections, sessions (absent ones included), new connections per
 * second, joins per second; the address is the socket's, or X-Forwarded-For's from a trusted proxy.
 * And the Origin allow-list, checked before the upgrade.
 */
import { describe, expect, it } from 'vitest';
import WebSocket, { type ClientOptions } from 'ws';
import { addressKey } from '../../src/hub/client-address.ts';
import { startHub } from '../helpers/hub.ts';
import { until } from '../helpers/room-clients.ts';
import { TestClient } from '../helpers/test-client.ts';

/** The HTTP status of an upgrade attempt: 101 when it was accepted (the socket is closed again at once). */
function upgradeStatus(url: string, options: ClientOptions = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, options);
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('error', () => {});
  });
}

describe('per-address limits', () => {
  it('refuses a connection beyond maxConnectionsPerAddress with 429, and spares other addresses', async () => {
    const t = await startHub({ maxConnectionsPerAddress: 3, maxSessionsPerAddress: 3 });
    const mine = await Promise.all([0, 1, 2].map(() => TestClient.connect(t.url, { localAddress: '127.0.0.2' })));
    expect(await upgradeStatus(t.url, { localAddress: '127.0.0.2' })).toBe(429);
    const elsewhere = await TestClient.connect(t.url, { localAddress: '127.0.0.3' });
    await mine[0]!.close();
    await until(() => t.hub.stats().connections === 3, 't.hub.stats().connections === 3');
    const again = await TestClient.connect(t.url, { localAddress: '127.0.0.2' });
    await Promise.all([...mine.slice(1), elsewhere, again].map((c) => c.close()));
    await t.hub.close();
  });

  it('counts absent sessions against maxSessionsPerAddress; the oldest of its own yields', async () => {
    const t = await startHub({ maxConnectionsPerAddress: 2, maxSessionsPerAddress: 2, resumeGraceMs: 60_000 });
    const a = await TestClient.connect(t.url, { localAddress: '127.0.0.4' });
    await a.join('r');
    const b = await TestClient.connect(t.url, { localAddress: '127.0.0.4' });
    await b.join('r');
    const watcher = await TestClient.connect(t.url, { localAddress: '127.0.0.5' });
    await watcher.join('r');
    await a.kill(); // absent, in its grace
    await until(() => t.hub.stats().connections === 2, 't.hub.stats().connections === 2');
    const c = await TestClient.connect(t.url, { localAddress: '127.0.0.4' }); // a's session yields
    expect(await watcher.next('peer-left')).toMatchObject({ peerId: a.peerId, reason: 'disconnected' });
    // b and c are present: a third from that address is refused.
    expect(await upgradeStatus(t.url, { localAddress: '127.0.0.4' })).toBe(429);
    await Promise.all([b, c, watcher].map((x) => x.close()));
    await t.hub.close();
  });

  it('limits new connections per second per address with 429', async () => {
    const t = await startHub({ connectionsPerSecondPerAddress: 2, connectionBurstPerAddress: 3 });
    const statuses = [];
    const started = Date.now();
    for (let i = 0; i < 8; i++) statuses.push(await upgradeStatus(t.url, { localAddress: '127.0.0.6' }));
    // 2 in any second, and a burst of 3 per 1.5 s window: what the elapsed time allows, however slow the machine
    expect(statuses.filter((s) => s === 101).length).toBeLessThanOrEqual(affordable(2, 3, Date.now() - started));
    expect(statuses).toContain(429);
    expect(await upgradeStatus(t.url, { localAddress: '127.0.0.7' })).toBe(101);
    await t.hub.close();
  });

  it('limits joins per second per address, across its connections, with rate-limited', async () => {
    const t = await startHub({ joinsPerSecondPerAddress: 2, joinBurstPerAddress: 2 });
    const [x, y] = await Promise.all([0, 1].map(() => TestClient.connect(t.url, { localAddress: '127.0.0.8' })));
    const codes: string[] = [];
    const started = Date.now();
    for (let i = 0; i < 6; i++) {
      const c = i % 2 === 0 ? x! : y!;
      c.send({ type: 'join', room: `j${i}`, id: i });
      const answer = await c.take((m): m is never => (m.type === 'joined' || m.type === 'error') && 'ref' in m && m.ref === i, 'answer');
      codes.push((answer as { type: string; code?: string }).code ?? 'joined');
    }
    expect(codes.filter((c) => c === 'joined').length).toBeLessThanOrEqual(affordable(2, 2, Date.now() - started));
    expect(codes).toContain('rate-limited');
    const other = await TestClient.connect(t.url, { localAddress: '127.0.0.9' });
    await other.join('fine');
    await Promise.all([x!, y!, other].map((c) => c.close()));
    await t.hub.close();
  });

  it('stops reading X-Forwarded-For at an entry that is no address: the trusted hop stands for the client', async () => {
    const t = await startHub({ trustedProxies: ['127.0.0.12'], maxConnectionsPerAddress: 1, maxSessionsPerAddress: 1 });
    const via = (client: string) => ({ localAddress: '127.0.0.12', headers: { 'x-forwarded-for': client } });
    // "198.51.100.7:4242" is no address: whatever the client wrote left of it is not believed
    const first = await TestClient.connect(t.url, via('203.0.113.1, 198.51.100.7:4242'));
    expect(await upgradeStatus(t.url, via('203.0.113.2, 198.51.100.8:4242'))).toBe(429); // both count as the proxy
    await first.close();
    await t.hub.close();
  });

  it('believes X-Forwarded-For only from a trusted proxy', async () => {
    const t = await startHub({ trustedProxies: ['127.0.0.10', '10.0.0.0/8'], maxConnectionsPerAddress: 1, maxSessionsPerAddress: 1 });
    const via = (client: string, from: string) => ({ localAddress: from, headers: { 'x-forwarded-for': client } });
    // Through the trusted proxy, two clients are two addresses (the proxy's own hop in the list is skipped).
    const one = await TestClient.connect(t.url, via('203.0.113.1, 10.1.2.3', '127.0.0.10'));
    const two = await TestClient.connect(t.url, via('203.0.113.2', '127.0.0.10'));
    expect(await upgradeStatus(t.url, via('203.0.113.1', '127.0.0.10'))).toBe(429);
    // From an untrusted address the header is ignored: the socket's address counts.
    const direct = await TestClient.connect(t.url, via('203.0.113.3', '127.0.0.11'));
    expect(await upgradeStatus(t.url, via('203.0.113.4', '127.0.0.11'))).toBe(429);
    await Promise.all([one, two, direct].map((c) => c.close()));
    await t.hub.close();
  });

  it('counts IPv6 by /64 and IPv4-mapped addresses as IPv4', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('192.0.2.7')).toBe('192.0.2.7');
  });
});

describe('Origin', () => {
  it('refuses a foreign Origin with 403; the hub\'s own origin and no Origin pass', async () => {
    const t = await startHub();
    expect(await upgradeStatus(t.url, { origin: 'https://evil.example' })).toBe(403);
    expect(await upgradeStatus(t.url, { origin: 'null' })).toBe(403);
    expect(await upgradeStatus(t.url, { origin: `http://127.0.0.1:${t.port}` })).toBe(101);
    expect(await upgradeStatus(t.url, { origin: 'http://127.0.0.1:1' })).toBe(403); // same host, another port
    expect(await upgradeStatus(t.url)).toBe(101);
    await t.hub.close();
  });

  it('allowedOrigins replaces the default; * allows all', async () => {
    const listed = await startHub({ allowedOrigins: ['https://app.example'] });
    expect(await upgradeStatus(listed.url, { origin: 'https://app.example' })).toBe(101);
    expect(await upgradeStatus(listed.url, { origin: 'https://APP.example:443' })).toBe(101);
    expect(await upgradeStatus(listed.url, { origin: 'https://other.example' })).toBe(403);
    expect(await upgradeStatus(listed.url, { origin: `http://127.0.0.1:${listed.port}` })).toBe(403);
    const open = await startHub({ allowedOrigins: ['*'] });
    expect(await upgradeStatus(open.url, { origin: 'https://anyone.example' })).toBe(101);
    await Promise.all([listed.hub.close(), open.hub.close()]);
  });
});

/**
 * The most a BurstyRateLimiter of `perSecond` (1 s windows) plus `burst` (windows of burst/perSecond s)
 * lets through in `elapsedMs`. Each key's windows start at its first request, so the time covers
 * floor(elapsed / length) + 1 of them.
 */
function affordable(perSecond: number, burst: number, elapsedMs: number): number {
  const windows = (lengthMs: number) => Math.floor(elapsedMs / lengthMs) + 1;
  return perSecond * windows(1_000) + burst * windows(Math.max(1, burst / perSecond) * 1_000);
}

/**
 * NAT traversal with real coturn on loopback: the production turnserver.conf is accepted, the hub's
 * TURN REST credentials are honoured (and expired or forged ones refused), and two werift clients forced
 * to relay connect through coturn and report path `turn`.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoomClient } from '../../src/client/room-client.ts';
import { createHub } from '../../src/hub/create-hub.ts';
import { TURN_SECRET_PLACEHOLDER, turnCredentials } from '../../src/hub/turn-credentials.ts';
import { startCoturn, freePort, type Coturn } from '../helpers/coturn.ts';
import { startHub, type TestHub } from '../helpers/hub.ts';
import { collect, connectClient, until, untilPaths } from '../helpers/room-clients.ts';
import { TestClient } from '../helpers/test-client.ts';
import { TurnClient, tryAllocate } from '../helpers/turn-allocate.ts';

const PRODUCTION_CONF = readFileSync(new URL('../../turnserver.conf', import.meta.url), 'utf8');
const SECRET = 'test-turn-secret-0123456789abcdef';

/** coturn drops privileges (proc-user) after start: files it reads later must be readable by others. */
function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'roomwire-turn-'));
  chmodSync(dir, 0o777);
  return dir;
}

function selfSignedCertificate(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  chmodSync(cert, 0o644);
  chmodSync(key, 0o644);
  return { cert, key };
}

/** The production file with only the secret, ports, certificate paths and log file substituted. */
function productionConfig(port: number, tlsPort: number, relayPorts: [number, number], cert: { cert: string; key: string }): string {
  const replaced = PRODUCTION_CONF
    .replace(/^static-auth-secret=.*$/m, `static-auth-secret=${SECRET}`)
    .replace(/^listening-port=3478$/m, `listening-port=${port}`)
    .replace(/^tls-listening-port=5349$/m, `tls-listening-port=${tlsPort}`)
    .replace(/^cert=.*$/m, `cert=${cert.cert}`)
    .replace(/^pkey=.*$/m, `pkey=${cert.key}`)
    .replace(/^min-port=.*$/m, `min-port=${relayPorts[0]}`)
    .replace(/^max-port=.*$/m, `max-port=${relayPorts[1]}`)
    .replace(/^log-file=.*$/m, 'log-file={{LOG_FILE}}');
  // Keep the test on loopback: listen and relay there only.
  return `${replaced}\nlistening-ip=127.0.0.1\nrelay-ip=127.0.0.1\nrelay-ip=::1\n`;
}

/** A relay port range unlikely to collide between test files running at once. */
function relayRange(): [number, number] {
  const start = 40_000 + Math.floor(Math.random() * 200) * 50;
  return [start, start + 49];
}

describe('the production turnserver.conf', () => {
  let coturn: Coturn;
  let t: TestHub;

  beforeAll(async () => {
    const dir = scratchDir();
    const port = await freePort();
    coturn = await startCoturn(productionConfig(port, await freePort(), relayRange(), selfSignedCertificate(dir)), port);
    t = await startHub({ turnSecret: SECRET, turnUrls: [`turn:127.0.0.1:${port}?transport=udp`], stunUrls: [`stun:127.0.0.1:${port}`] });
  }, 30_000);
  afterAll(async () => {
    await t?.hub.close();
    await coturn?.stop();
  });

  it('is accepted by turnserver without configuration errors, every denied range included', () => {
    const log = coturn.log();
    expect(log).not.toMatch(/Bad configuration format|CONFIG ERROR|ERROR:|Wrong address|error resolving/i);
    const denied = [...PRODUCTION_CONF.matchAll(/^denied-peer-ip=(.*)$/gm)].map((m) => m[1]!);
    expect(denied.length).toBeGreaterThan(20);
    for (const range of denied) expect(log, range).toContain(`Black listing: ${range}`);
    expect(log).toMatch(/TLS1\.2: Certificate file found/);
  });

  it('honours the credentials the hub hands out in joined.iceServers', async () => {
    const c = await TestClient.connect(t.url);
    const joined = await c.join('turn-room');
    const turn = joined.iceServers.find((s) => s.username !== undefined)!;
    expect(turn.urls).toEqual([`turn:127.0.0.1:${coturn.port}?transport=udp`]);
    expect(turn.username).toMatch(new RegExp(`^\\d+:${c.peerId}$`));
    expect(joined.iceServers).toContainEqual({ urls: [`stun:127.0.0.1:${coturn.port}`] });
    expect(await tryAllocate('127.0.0.1', coturn.port, turn.username!, turn.credential!)).toEqual({ ok: true });

    // refresh-ice answers with fresh credentials that work too
    c.send({ type: 'refresh-ice', id: 'r1' });
    const fresh = await c.next('ice-servers');
    expect(fresh.ref).toBe('r1');
    const freshTurn = fresh.iceServers.find((s) => s.username !== undefined)!;
    expect(await tryAllocate('127.0.0.1', coturn.port, freshTurn.username!, freshTurn.credential!)).toEqual({ ok: true });
    await c.close();
  });

  it('refuses expired and forged credentials', async () => {
    const expired = turnCredentials(SECRET, 'late-peer', -60);
    expect(await tryAllocate('127.0.0.1', coturn.port, expired.username, expired.credential)).toEqual({ ok: false, errorCode: 401 });
    const forged = turnCredentials('not-the-secret', 'forger', 3_600);
    expect(await tryAllocate('127.0.0.1', coturn.port, forged.username, forged.credential)).toEqual({ ok: false, errorCode: 401 });
    const valid = turnCredentials(SECRET, 'peer', 3_600);
    const extended = valid.username.replace(/^\d+/, String(valid.expiresAt + 86_400)); // a longer expiry, same credential
    expect(await tryAllocate('127.0.0.1', coturn.port, extended, valid.credential)).toEqual({ ok: false, errorCode: 401 });
  });

  it('refuses to relay to private, loopback, reserved and IPv4-mapped addresses, and allows public ones', async () => {
    const { username, credential } = turnCredentials(SECRET, 'prober', 600);
    const cases = {
      4: { denied: ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '192.0.2.1', '224.0.0.1', '255.255.255.255'], allowed: ['8.8.8.8'] },
      6: { denied: ['::1', '::', '::ffff:10.0.0.1', '::ffff:127.0.0.1', '::ffff:169.254.169.254', 'fd00::1', 'fe80::1', '64:ff9b::a00:1', '2001:db8::1', 'ff02::1'], allowed: ['2606:4700:4700::1111'] },
    } as const;
    for (const family of [4, 6] as const) {
      const client = new TurnClient('127.0.0.1', coturn.port);
      try {
        expect(await client.allocate(username, credential, family)).toEqual({ ok: true });
        for (const ip of cases[family].denied) expect(await client.permit(ip), ip).toEqual({ ok: false, errorCode: 403 });
        for (const ip of cases[family].allowed) expect(await client.permit(ip), ip).toEqual({ ok: true });
      } finally {
        client.close();
      }
    }
  });
});

describe('the hub and its TURN secret', () => {
  it("refuses to start with turnserver.conf's placeholder secret", () => {
    const placeholder = /^static-auth-secret=(.*)$/m.exec(PRODUCTION_CONF)![1];
    expect(placeholder).toBe(TURN_SECRET_PLACEHOLDER);
    expect(() => createHub({ turnSecret: placeholder, turnUrls: ['turn:example.org'] })).toThrow(/placeholder/);
  });

  it('issues no TURN entry without a secret', async () => {
    const t = await startHub({ turnUrls: ['turn:127.0.0.1:3478'] });
    const c = await TestClient.connect(t.url);
    expect((await c.join('r')).iceServers).toEqual([]);
    await c.close();
    await t.hub.close();
  });
});

describe('werift clients forced to relay', () => {
  let coturn: Coturn;
  let t: TestHub;
  const clients: RoomClient[] = [];

  beforeAll(async () => {
    const port = await freePort();
    const [min, max] = relayRange();
    // The test overlay: what a loopback test needs and production must never have.
    coturn = await startCoturn([
      `listening-port=${port}`, 'listening-ip=127.0.0.1', 'relay-ip=127.0.0.1', `min-port=${min}`, `max-port=${max}`,
      'use-auth-secret', `static-auth-secret=${SECRET}`, 'realm=roomwire.test', 'fingerprint',
      'allow-loopback-peers', 'no-cli', 'no-tls', 'no-dtls', 'log-file={{LOG_FILE}}', 'simple-log',
    ].join('\n'), port);
    t = await startHub({ turnSecret: SECRET, turnUrls: [`turn:127.0.0.1:${port}?transport=udp`], turnTtlSeconds: 5 });
  }, 30_000);
  afterAll(async () => {
    for (const c of clients) c.close();
    await t?.hub.close();
    await coturn?.stop();
  });

  it('connect through coturn with hub-issued credentials, exchange messages, and report path turn', async () => {
    const a = await connectClient(t.url, { iceTransportPolicy: 'relay', p2pTimeoutMs: 15_000 });
    const b = await connectClient(t.url, { iceTransportPolicy: 'relay', p2pTimeoutMs: 15_000 });
    clients.push(a, b);
    const ra = await a.join('relayed');
    const rb = await b.join('relayed');
    await untilPaths(ra, 1, ['turn'], 20_000);
    await untilPaths(rb, 1, ['turn'], 20_000);
    const [atA, atB] = [collect(ra), collect(rb)];
    const blob = new Uint8Array(200_000).map((_, i) => i % 199);
    ra.send('through coturn');
    ra.send(blob);
    rb.send('and back');
    await until(() => atB.length === 2 && atA.length === 1, 'messages through TURN');
    expect(atB.map((m) => m.data)).toEqual(['through coturn', blob]);
    expect(atB.every((m) => m.path === 'turn')).toBe(true);
    expect(atA[0]).toMatchObject({ data: 'and back', path: 'turn' });
  }, 60_000);

  it('clients fetch fresh credentials before the old ones expire', async () => {
    const c = await connectClient(t.url);
    clients.push(c);
    await c.join('refresh');
    const first = c.iceServers.find((s) => s.username !== undefined)!.username!;
    // ttl 5 s: the client asks again after 80% of it
    await until(() => c.iceServers.find((s) => s.username !== undefined)!.username !== first, 'fresh credentials', 10_000);
    const next = c.iceServers.find((s) => s.username !== undefined)!;
    expect(Number(next.username!.split(':')[0])).toBeGreaterThan(Number(first.split(':')[0]));
    expect(await tryAllocate('127.0.0.1', coturn.port, next.username!, next.credential!)).toEqual({ ok: true });
  }, 20_000);
});

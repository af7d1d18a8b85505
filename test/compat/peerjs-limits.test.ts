/**
 * What roomwire adds around the PeerJS protocol, where it deliberately differs from peerjs-server (which has
 * none of these but its concurrent limit): the id and token rules, frame size, budgets, the queue's caps,
 * Origin, the per-address limits shared with /ws, drain, and metrics. Raw sockets on a real hub.
 */
import { describe, expect, it } from 'vitest';
import { startHub, type TestHub } from '../helpers/hub.ts';
import { RawPeerjs } from '../helpers/peerjs-raw.ts';
import { parsePrometheus, valueOf } from '../helpers/prometheus.ts';
import { TestClient } from '../helpers/test-client.ts';

/** Opens /peerjs with `id` and a token, and returns the one frame the hub answers before it closes. */
async function refused(t: TestHub, id: string, token = 'tok'): Promise<unknown> {
  const client = await RawPeerjs.open(t.port, { key: 'peerjs', id, token });
  const frame = await client.nextFrame();
  expect((await client.closed).code).toBe(1005);
  return frame;
}

const error = (code: string, msg: unknown = expect.any(String)) => ({ type: 'ERROR', payload: { msg, code } });

describe('PeerJS limits (roomwire only)', () => {
  it('lets clients choose ids of the peerjs client\'s own form, up to peerjsMaxIdLength, and bounds tokens', async () => {
    const t = await startHub({ peerjs: true, peerjsMaxIdLength: 16, peerjsMaxTokenLength: 12 });
    expect(await refused(t, 'x'.repeat(17))).toEqual(error('invalid-id'));
    for (const id of ['a!b', 'trailing-', ' lead', 'two  spaces', 'ümlaut']) expect(await refused(t, id)).toEqual(error('invalid-id'));
    expect(await refused(t, 'fine', 't'.repeat(13))).toEqual(error('invalid-token', 'Invalid token provided'));
    const ok = await Promise.all(['with space', 'under_score-1', 'x'.repeat(16)].map((id) => RawPeerjs.connect(t.port, id, 't'.repeat(12))));
    await Promise.all(ok.map((c) => c.close()));
    await t.hub.close();
  });

  it('holds at most peerjsMaxClients ids (peerjs-server\'s concurrent_limit, with its text); a takeover still works', async () => {
    const t = await startHub({ peerjs: true, peerjsMaxClients: 2 });
    const [a, b] = [await RawPeerjs.connect(t.port, 'a'), await RawPeerjs.connect(t.port, 'b')];
    expect(await refused(t, 'c')).toEqual(error('concurrent-limit', 'Server has reached its concurrent user limit'));
    const again = await RawPeerjs.open(t.port, { key: 'peerjs', id: 'a', token: 'tok-a' });
    await again.sync('a');
    await Promise.all([a.close(), b.close(), again.close()]);
    await t.hub.close();
  });

  it('keeps one socket an id was taken over from, not every one: a second takeover closes the first (4001)', async () => {
    const t = await startHub({ peerjs: true });
    const first = await RawPeerjs.connect(t.port, 'id', 'tok');
    const second = await RawPeerjs.open(t.port, { key: 'peerjs', id: 'id', token: 'tok' });
    await second.sync('id');
    const third = await RawPeerjs.open(t.port, { key: 'peerjs', id: 'id', token: 'tok' });
    expect((await first.closed).code).toBe(4001); // peerjs-server would keep it open too
    await third.sync('id');
    second.send({ type: 'CANDIDATE', dst: 'id', payload: 'the second still speaks' });
    expect(await third.nextFrame()).toMatchObject({ src: 'id', payload: 'the second still speaks' });
    await Promise.all([second.close(), third.close()]);
    await t.hub.close();
  });

  it('answers frames beyond maxFrameBytes, maxJsonDepth or the message budget with ERROR, and goes on', async () => {
    const t = await startHub({ peerjs: true, maxFrameBytes: 1024, hardMaxFrameBytes: 4096, byteBurst: 8192, maxJsonDepth: 4, messagesPerSecond: 1, messageBurst: 6 });
    const c = await RawPeerjs.connect(t.port, 'c');
    c.send({ type: 'CANDIDATE', dst: 'c', payload: 'x'.repeat(2000) });
    c.send({ type: 'CANDIDATE', dst: 'c', payload: [[[[['deep']]]]] });
    await c.sync('c'); // 3 frames so far
    for (let i = 0; i < 5; i++) c.send({ type: 'HEARTBEAT' }); // 3 more fill the burst of 6; at 1/s the rest are refused
    expect((await c.next('ERROR')).payload.code).toBe('payload-too-large');
    expect((await c.next('ERROR')).payload.code).toBe('too-deep');
    expect(await c.next('ERROR')).toEqual(error('rate-limited'));
    await c.close();
    const big = await RawPeerjs.connect(t.port, 'big');
    big.sendRaw('x'.repeat(5000)); // above hardMaxFrameBytes: closed before it is read
    expect((await big.closed).code).toBe(1009);
    await t.hub.close();
  });

  it('caps what waits for absent ids, per id and in all; what does not fit gets its sender EXPIRE at once', async () => {
    const t = await startHub({ peerjs: true, peerjsQueuePerPeer: 2, peerjsQueueMaxMessages: 3, peerjsExpireTimeoutMs: 60_000 });
    const s = await RawPeerjs.connect(t.port, 'sender');
    for (const n of [1, 2, 3]) s.send({ type: 'OFFER', dst: 'away', payload: n });
    expect(await s.nextFrame()).toEqual({ type: 'EXPIRE', src: 'away', dst: 'sender' }); // the third: 'away' has 2 waiting
    s.send({ type: 'OFFER', dst: 'gone', payload: 4 });
    s.send({ type: 'OFFER', dst: 'elsewhere', payload: 5 });
    expect(await s.nextFrame()).toEqual({ type: 'EXPIRE', src: 'elsewhere', dst: 'sender' }); // 3 wait in all
    const away = await RawPeerjs.connect(t.port, 'away');
    expect([await away.nextFrame(), await away.nextFrame()].map((f) => f.payload)).toEqual([1, 2]);
    s.send({ type: 'OFFER', dst: 'elsewhere', payload: 6 }); // room again
    await s.sync('sender');
    expect(s.pending).toEqual([]);
    await Promise.all([s.close(), away.close()]);
    await t.hub.close();
  });

  it('caps the bytes waiting (peerjsQueueMaxBytes)', async () => {
    const t = await startHub({ peerjs: true, peerjsQueueMaxBytes: 1_000, peerjsExpireTimeoutMs: 60_000 });
    const s = await RawPeerjs.connect(t.port, 'sender');
    s.send({ type: 'OFFER', dst: 'away', payload: 'x'.repeat(600) });
    s.send({ type: 'OFFER', dst: 'away2', payload: 'y'.repeat(600) });
    expect(await s.nextFrame()).toEqual({ type: 'EXPIRE', src: 'away2', dst: 'sender' });
    await s.close();
    await t.hub.close();
  });

  it('checks Origin on the socket and on /peerjs/id, and answers CORS for allowed origins', async () => {
    const t = await startHub({ peerjs: true, allowedOrigins: ['https://app.example'] });
    await expect(RawPeerjs.open(t.port, { key: 'peerjs', id: 'x', token: 't' }, { origin: 'https://evil.example' })).rejects.toThrow(/403/);
    const id = (origin?: string, method = 'GET') => fetch(`${t.httpUrl}/peerjs/id`, { method, headers: origin === undefined ? {} : { origin } });
    expect((await id('https://evil.example')).status).toBe(403);
    expect((await id()).status).toBe(200); // not a browser: nothing to check
    const allowed = await id('https://app.example');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const preflight = await id('https://app.example', 'OPTIONS');
    expect([preflight.status, preflight.headers.get('access-control-allow-methods')]).toEqual([204, 'GET, HEAD']);
    expect((await id(undefined, 'POST')).status).toBe(405);
    const fine = await RawPeerjs.connect(t.port, 'fine');
    await fine.close();
    await t.hub.close();
  });

  it('counts PeerJS sockets against the address\'s open connections, together with /ws', async () => {
    const t = await startHub({ peerjs: true, maxConnectionsPerAddress: 2, maxSessionsPerAddress: 2 });
    const room = await TestClient.connect(t.url, { localAddress: '127.0.0.6' });
    const p = await RawPeerjs.open(t.port, { key: 'peerjs', id: 'p', token: 't' }, { localAddress: '127.0.0.6' });
    await expect(RawPeerjs.open(t.port, { key: 'peerjs', id: 'q', token: 't' }, { localAddress: '127.0.0.6' })).rejects.toThrow(/429/);
    await p.close();
    await expect.poll(() => t.hub.stats().connections).toBe(1);
    const q = await RawPeerjs.open(t.port, { key: 'peerjs', id: 'q', token: 't' }, { localAddress: '127.0.0.6' });
    await Promise.all([room.close(), q.close()]);
    await t.hub.close();
  });

  it('is off unless asked for: /peerjs and /peerjs/id are not found', async () => {
    const t = await startHub();
    await expect(RawPeerjs.open(t.port, { key: 'peerjs', id: 'x', token: 't' })).rejects.toThrow(/404/);
    expect((await fetch(`${t.httpUrl}/peerjs/id`)).status).toBe(404);
    await t.hub.close();
  });

  it('moves PeerJS clients off a draining hub (1001), and counts them in /metrics', async () => {
    const t = await startHub({ peerjs: true, drainTimeoutMs: 5_000 });
    const [a, b] = [await RawPeerjs.connect(t.port, 'a'), await RawPeerjs.connect(t.port, 'b')];
    a.send({ type: 'OFFER', dst: 'b', payload: {} });
    a.sendRaw('oops');
    await b.next('OFFER');
    await a.next('ERROR');
    expect(await refused(t, 'a', 'wrong-token')).toEqual({ type: 'ID-TAKEN', payload: { msg: 'ID is taken' } });
    const samples = parsePrometheus(await (await fetch(`${t.httpUrl}/metrics`)).text());
    expect(valueOf(samples, 'roomwire_peerjs_connections_total', { outcome: 'opened' })).toBe(2);
    expect(valueOf(samples, 'roomwire_peerjs_connections_total', { outcome: 'id-taken' })).toBe(1);
    expect(valueOf(samples, 'roomwire_peerjs_messages_in_total', { type: 'OFFER' })).toBe(1);
    expect(valueOf(samples, 'roomwire_peerjs_errors_total', { code: 'bad-json' })).toBe(1);
    expect(valueOf(samples, 'roomwire_peerjs_clients')).toBe(2);
    expect(valueOf(samples, 'roomwire_connections')).toBe(2);
    const drained = t.hub.drain();
    expect((await a.closed).code).toBe(1001);
    expect((await b.closed).code).toBe(1001);
    await drained;
    await expect(RawPeerjs.open(t.port, { key: 'peerjs', id: 'late', token: 't' })).rejects.toThrow(/503/);
    await t.hub.close();
  });
});

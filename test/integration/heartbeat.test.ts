/**
 * Liveness with fake interval timers (no sleeps): a connection that stops answering pings is dropped on
 * the second tick after it went quiet, and its rooms are told; one that answers stays.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startHub } from '../helpers/hub.ts';
import { TestClient } from '../helpers/test-client.ts';

afterEach(() => {
  vi.useRealTimers();
});

/** Resolves once `c` has seen a ping from the hub and the hub has seen c's pong. */
async function pingAnswered(c: TestClient): Promise<void> {
  await new Promise((resolve) => c.ws.once('ping', resolve));
  // ws answers the ping before it handles anything c sends next; a round trip proves the hub has the pong
  c.send({ type: 'leave', room: '__sync__' });
  await c.nextError('not-in-room');
}

describe('heartbeat', () => {
  it('drops a connection that misses a ping within two intervals and tells its rooms', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const interval = 5_000;
    const t = await startHub({ heartbeatIntervalMs: interval, resumeGraceMs: 0 });
    const alive = await TestClient.connect(t.url);
    const dead = await TestClient.connect(t.url, { autoPong: false });
    await alive.join('hb');
    await dead.join('hb');
    await alive.next('peer-joined');

    const firstPing = pingAnswered(alive);
    const deadPinged = new Promise((resolve) => dead.ws.once('ping', resolve));
    vi.advanceTimersByTime(interval); // tick 1: both pinged
    await firstPing;
    await deadPinged;
    expect(t.hub.stats().connections).toBe(2);

    const secondPing = pingAnswered(alive);
    vi.advanceTimersByTime(interval); // tick 2: dead has not answered -> terminated; alive pinged again
    expect(await alive.next('peer-left')).toEqual({ type: 'peer-left', room: 'hb', peerId: dead.peerId, reason: 'disconnected' });
    expect((await dead.closed).code).toBe(1006);
    await secondPing;
    expect(alive.ws.readyState).toBe(alive.ws.OPEN);
    expect(t.hub.stats().connections).toBe(1);

    await alive.close();
    await t.hub.close();
  });

  it('a pong confirms what was sent before its ping, so a resume cannot ask for it again', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const t = await startHub({ heartbeatIntervalMs: 1_000 });
    const [a, b] = [await TestClient.connect(t.url), await TestClient.connect(t.url)];
    await a.join('r');
    await b.join('r');
    a.send({ type: 'relay', to: b.peerId, data: 'confirmed by the pong' });
    await b.next('relay');
    const pinged = pingAnswered(b);
    vi.advanceTimersByTime(1_000);
    await pinged;
    await b.kill();
    // claiming to have received nothing asks for frames the pong confirmed: no longer kept
    const stale = await TestClient.connect(t.url);
    stale.send({ type: 'resume', token: b.welcome.resumeToken, received: 0 });
    await stale.nextError('resume-failed');
    const { answer } = await TestClient.resume(t.url, b);
    expect(answer).toMatchObject({ type: 'resumed', replayed: 0 });
    await Promise.all([a.close(), stale.close()]);
    await t.hub.close();
  });
});

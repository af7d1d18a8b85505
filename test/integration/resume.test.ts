/**
 * Resume: a connection that drops and comes back with its resume token keeps its peer id and rooms,
 * nobody else is told, and every frame addressed to it meanwhile (or lost in flight) arrives, in order.
 */
import { describe, expect, it } from 'vitest';
import { startHub, type TestHub } from '../helpers/hub.ts';
import { TestClient, connectMany } from '../helpers/test-client.ts';

/** Waits until the hub has seen a socket close (its connection count drops to `n`). */
async function untilConnections(t: TestHub, n: number): Promise<void> {
  for (let i = 0; i < 500 && t.hub.stats().connections !== n; i++) await new Promise((r) => setTimeout(r, 10));
  expect(t.hub.stats().connections).toBe(n);
}

/** A round trip through the hub: everything `c` sent before has been handled when it resolves. */
async function sync(c: TestClient): Promise<void> {
  c.send({ type: 'leave', room: '__sync__' });
  await c.nextError('not-in-room');
}

describe('resume within the grace period', () => {
  it('keeps peer id and rooms, tells nobody, and delivers what was sent in the gap in order', async () => {
    const t = await startHub();
    const [a, b] = await connectMany(t.url, 2);
    await a.join('r', 'ann');
    await b.join('r', 'bob');
    await a.next('peer-joined');
    await b.kill();
    await untilConnections(t, 1);

    a.send({ type: 'signal', to: b.peerId, data: { candidate: 'c1' } });
    a.send({ type: 'relay', to: b.peerId, data: 'whisper' });
    a.send({ type: 'relay', room: 'r', data: 'to the room' });
    await sync(a);
    expect(a.pending('error')).toEqual([]); // b was still a valid target during the gap

    const { client: b2, answer } = await TestClient.resume(t.url, b);
    expect(answer).toMatchObject({
      type: 'resumed', peerId: b.peerId, replayed: 3,
      rooms: [{ room: 'r', peers: [{ peerId: a.peerId, name: 'ann', role: 'peer' }] }],
    });
    expect(await b2.next('signal')).toEqual({ type: 'signal', from: a.peerId, data: { candidate: 'c1' } });
    expect((await b2.next('relay')).data).toBe('whisper');
    expect((await b2.next('relay')).data).toBe('to the room');

    b2.send({ type: 'relay', room: 'r', data: 'back' });
    expect(await a.next('relay')).toEqual({ type: 'relay', from: b.peerId, room: 'r', data: 'back' });
    expect(a.log.filter((m) => m.type === 'peer-left')).toEqual([]);
    expect(a.log.filter((m) => m.type === 'peer-joined')).toHaveLength(1); // b's first join only
    await Promise.all([a.close(), b2.close()]);
    await t.hub.close();
  });

  it('replays frames that were written to the dead socket but never read', async () => {
    const t = await startHub();
    const [a, b] = await connectMany(t.url, 2);
    await a.join('r');
    await b.join('r');
    await a.next('peer-joined');
    b.ws.pause(); // b stops reading: what the hub writes now sits unread in socket buffers
    for (let i = 0; i < 5; i++) a.send({ type: 'relay', to: b.peerId, data: i });
    await sync(a);
    await b.kill(); // ... and is lost with the connection
    expect(b.pending('relay')).toEqual([]);

    const { client: b2, answer } = await TestClient.resume(t.url, b);
    expect(answer).toMatchObject({ type: 'resumed', replayed: 5 });
    const got: unknown[] = [];
    for (let i = 0; i < 5; i++) got.push((await b2.next('relay')).data);
    expect(got).toEqual([0, 1, 2, 3, 4]);
    await Promise.all([a.close(), b2.close()]);
    await t.hub.close();
  });

  it('takes over a half-open connection: the old socket is closed with 4001, nobody is told', async () => {
    const t = await startHub();
    const [a, b] = await connectMany(t.url, 2);
    await a.join('r');
    await b.join('r');
    await a.next('peer-joined');
    const { client: b2, answer } = await TestClient.resume(t.url, b);
    expect(answer).toMatchObject({ type: 'resumed', peerId: b.peerId, replayed: 0 });
    expect((await b.closed).code).toBe(4001);
    a.send({ type: 'relay', to: b.peerId, data: 'to the new socket' });
    expect((await b2.next('relay')).data).toBe('to the new socket');
    await sync(a);
    expect(a.log.filter((m) => m.type === 'peer-left')).toEqual([]);
    await Promise.all([a.close(), b2.close()]);
    await t.hub.close();
  });
});

describe('resume refused', () => {
  it('after the grace period: everyone got peer-left and the token is dead', async () => {
    const t = await startHub({ resumeGraceMs: 200 });
    const [a, b] = await connectMany(t.url, 2);
    await a.join('r');
    await b.join('r');
    await b.kill();
    expect(await a.next('peer-left')).toEqual({ type: 'peer-left', room: 'r', peerId: b.peerId, reason: 'disconnected' });
    const { answer } = await TestClient.resume(t.url, b);
    expect(answer).toMatchObject({ type: 'error', code: 'resume-failed' });
    await a.close();
    await t.hub.close();
  });

  it('when more arrives for a disconnected session than its buffer holds: the session ends at once', async () => {
    const t = await startHub({ resumeBufferMaxMessages: 5 });
    const [a, b] = await connectMany(t.url, 2);
    await a.join('r');
    await b.join('r');
    await b.kill();
    await untilConnections(t, 1);
    for (let i = 0; i < 8; i++) a.send({ type: 'relay', to: b.peerId, data: i });
    expect(await a.next('peer-left')).toMatchObject({ peerId: b.peerId, reason: 'disconnected' });
    await a.nextError('peer-not-found'); // what came after the end is refused, not silently dropped
    const { answer } = await TestClient.resume(t.url, b);
    expect(answer).toMatchObject({ type: 'error', code: 'resume-failed' });
    await a.close();
    await t.hub.close();
  });

  it('when frames the client missed were already dropped from the buffer', async () => {
    const t = await startHub({ resumeBufferMaxMessages: 3 });
    const [a, b] = await connectMany(t.url, 2);
    await a.join('r');
    await b.join('r');
    await a.next('peer-joined');
    b.ws.pause();
    for (let i = 0; i < 6; i++) a.send({ type: 'relay', to: b.peerId, data: i });
    await sync(a);
    await b.kill();
    await untilConnections(t, 1);
    const { answer } = await TestClient.resume(t.url, b);
    expect(answer).toMatchObject({ type: 'error', code: 'resume-failed' });
    await a.close();
    await t.hub.close();
  });

  it('for a bad received count or a resume after joining', async () => {
    const t = await startHub();
    const [a, b] = await connectMany(t.url, 2);
    await a.join('r');
    await b.kill();
    await untilConnections(t, 1);
    a.send({ type: 'resume', token: b.welcome.resumeToken, received: 0 });
    await a.nextError('resume-failed'); // b never joined a room: its session ended with the socket
    const c = await TestClient.connect(t.url);
    await c.join('r');
    await c.kill();
    await untilConnections(t, 1);
    const d = await TestClient.connect(t.url);
    d.send({ type: 'resume', token: c.welcome.resumeToken, received: 10_000 });
    await d.nextError('resume-failed');
    d.send({ type: 'resume', token: c.welcome.resumeToken, received: -1 });
    await d.nextError('bad-message');
    a.send({ type: 'resume', token: c.welcome.resumeToken, received: c.received });
    await a.nextError('bad-message'); // a is in a room: it cannot become someone else
    await Promise.all([a.close(), d.close()]);
    await t.hub.close();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub, type TestHub } from '../helpers/hub.ts';
import { TestClient, connectMany } from '../helpers/test-client.ts';

let t: TestHub;
beforeAll(async () => { t = await startHub(); });
afterAll(async () => { await t.hub.close(); });

const candidate = {
  candidate: 'candidate:842163049 1 udp 1677729535 203.0.113.7 46154 typ srflx raddr 10.0.0.2 rport 46154 generation 0 ufrag sXr4 network-cost 999',
  sdpMid: '0',
  sdpMLineIndex: 0,
};

describe('signal', () => {
  it('relays data unchanged with `from` stamped by the hub; a forged `from` is ignored', async () => {
    const [a, b] = await connectMany(t.url, 2);
    await a.join('sig');
    await b.join('sig');
    const offer = { type: 'offer', sdp: 'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n' };
    a.send({ type: 'signal', to: b.peerId, data: offer });
    a.send({ type: 'signal', to: b.peerId, from: b.peerId, data: { candidate } });
    a.send({ type: 'signal', to: b.peerId, data: { restart: true, n: [1, 2, { x: null }] } });
    expect(await b.next('signal')).toEqual({ type: 'signal', from: a.peerId, data: offer });
    expect(await b.next('signal')).toEqual({ type: 'signal', from: a.peerId, data: { candidate } });
    expect(await b.next('signal')).toEqual({ type: 'signal', from: a.peerId, data: { restart: true, n: [1, 2, { x: null }] } });
    b.send({ type: 'signal', to: a.peerId, data: { type: 'answer', sdp: 'v=0' } });
    expect(await a.next('signal')).toEqual({ type: 'signal', from: b.peerId, data: { type: 'answer', sdp: 'v=0' } });
    expect(a.pending('signal')).toEqual([]);
    await Promise.all([a.close(), b.close()]);
  });

  it('refuses targets that are unknown, gone, or the sender itself, echoing the request id', async () => {
    const [a, b] = await connectMany(t.url, 2);
    await a.join('sig2');
    await b.join('sig2');
    a.send({ type: 'signal', id: 'q1', to: '00000000-0000-4000-8000-000000000000', data: {} });
    expect(await a.nextError('peer-not-found')).toMatchObject({ ref: 'q1' });
    a.send({ type: 'signal', id: 2, to: a.peerId, data: {} });
    expect(await a.nextError('peer-not-found')).toMatchObject({ ref: 2 });
    await b.close();
    await a.next('peer-left');
    a.send({ type: 'signal', to: b.peerId, data: {} });
    await a.nextError('peer-not-found');
    await a.close();
  });
});

describe('relay', () => {
  it('broadcasts to the room without echoing to the sender, and whispers to one peer', async () => {
    const [a, b, c] = await connectMany(t.url, 3);
    for (const x of [a, b, c]) await x.join('rel');
    a.send({ type: 'relay', room: 'rel', data: { text: 'hello all' } });
    for (const x of [b, c]) expect(await x.next('relay')).toEqual({ type: 'relay', from: a.peerId, room: 'rel', data: { text: 'hello all' } });

    a.send({ type: 'relay', to: c.peerId, data: 'psst' });
    a.send({ type: 'relay', to: c.peerId, room: 'rel', data: 'psst in rel' });
    expect(await c.next('relay')).toEqual({ type: 'relay', from: a.peerId, data: 'psst' });
    expect(await c.next('relay')).toEqual({ type: 'relay', from: a.peerId, room: 'rel', data: 'psst in rel' });

    // a round trip through b proves everything a sent before has been handled
    b.send({ type: 'relay', to: a.peerId, data: 'sync' });
    await a.next('relay');
    expect(a.pending('relay')).toEqual([]);
    expect(b.pending('relay')).toEqual([]);
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  it('keeps per-sender order for a burst of messages', async () => {
    const [a, b] = await connectMany(t.url, 2);
    await a.join('order');
    await b.join('order');
    const n = 300; // under the default burst of 400
    for (let i = 0; i < n; i++) a.send({ type: 'relay', to: b.peerId, data: i });
    const got: unknown[] = [];
    for (let i = 0; i < n; i++) got.push((await b.next('relay')).data);
    expect(got).toEqual(Array.from({ length: n }, (_, i) => i));
    await Promise.all([a.close(), b.close()]);
  });

  it('refuses a whisper to a peer outside the named room', async () => {
    const [a, b] = await connectMany(t.url, 2);
    await a.join('r1');
    await a.join('r2');
    await b.join('r2');
    a.send({ type: 'relay', to: b.peerId, room: 'r1', data: 'x' });
    await a.nextError('peer-not-found');
    a.send({ type: 'relay', data: 'nowhere' });
    expect((await a.nextError('bad-message')).message).toMatch(/to.*room/);
    await Promise.all([a.close(), b.close()]);
  });
});

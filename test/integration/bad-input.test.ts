/**
 * Every malformed frame gets an error with its stable code, and nobody else in the room notices: two
 * peers keep exchanging messages throughout, with none lost, duplicated or reordered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../src/protocol/index.ts';
import { startHub, type TestHub } from '../helpers/hub.ts';
import { TestClient, connectMany } from '../helpers/test-client.ts';

let t: TestHub;
beforeAll(async () => { t = await startHub(); });
afterAll(async () => { await t.hub.close(); });

const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);

const malformed: { frame: string | Buffer; code: ErrorCode; what: string }[] = [
  { what: 'not JSON', frame: 'hello', code: 'bad-json' },
  { what: 'truncated JSON', frame: '{"type":', code: 'bad-json' },
  { what: 'empty frame', frame: '', code: 'bad-json' },
  { what: 'an array', frame: '[]', code: 'bad-message' },
  { what: 'null', frame: 'null', code: 'bad-message' },
  { what: 'a number', frame: '42', code: 'bad-message' },
  { what: 'no type', frame: '{}', code: 'bad-message' },
  { what: 'a numeric type', frame: '{"type":5}', code: 'bad-message' },
  { what: 'an unknown type', frame: '{"type":"teleport"}', code: 'unknown-type' },
  { what: 'a prototype key as type', frame: '{"type":"__proto__"}', code: 'unknown-type' },
  { what: 'an inherited key as type', frame: '{"type":"toString"}', code: 'unknown-type' },
  { what: 'join without room', frame: '{"type":"join"}', code: 'bad-message' },
  { what: 'join with a numeric room', frame: '{"type":"join","room":123}', code: 'bad-message' },
  { what: 'join with an object name', frame: '{"type":"join","room":"r","name":{}}', code: 'bad-message' },
  { what: 'leave with a null room', frame: '{"type":"leave","room":null}', code: 'bad-message' },
  { what: 'signal without data', frame: '{"type":"signal","to":"x"}', code: 'bad-message' },
  { what: 'signal without target', frame: '{"type":"signal","data":1}', code: 'bad-message' },
  { what: 'signal with an array target', frame: '{"type":"signal","to":["x"],"data":1}', code: 'bad-message' },
  { what: 'relay without data', frame: '{"type":"relay","room":"noisy"}', code: 'bad-message' },
  { what: 'an object as request id', frame: '{"type":"leave","room":"x","id":{}}', code: 'bad-message' },
  { what: 'deep nesting', frame: `{"type":"relay","room":"noisy","data":${deep(5_000)}}`, code: 'too-deep' },
  { what: 'nesting just past the limit', frame: `{"type":"relay","room":"noisy","data":${deep(32)}}`, code: 'too-deep' },
  { what: 'an oversized frame', frame: 'x'.repeat(64 * 1024 + 1), code: 'payload-too-large' },
  { what: 'an oversized valid relay', frame: JSON.stringify({ type: 'relay', room: 'noisy', data: 'y'.repeat(70_000) }), code: 'payload-too-large' },
  { what: 'a binary frame', frame: Buffer.from('{"type":"join","room":"r"}'), code: 'binary-not-supported' },
  { what: 'resume with an unknown token', frame: '{"type":"resume","token":"nope","received":0}', code: 'resume-failed' },
  { what: 'resume without a received count', frame: '{"type":"resume","token":"nope"}', code: 'bad-message' },
];

describe('malformed frames', () => {
  it('each gets its error code while two other peers in the room lose nothing', async () => {
    const [bad, x, y] = await connectMany(t.url, 3);
    for (const c of [bad, x, y]) await c.join('noisy');

    const perSide = 200;
    let sent = 0;
    for (const { frame } of malformed) {
      // interleave: some traffic, one bad frame, more traffic
      for (let k = 0; k < 4; k++, sent++) {
        x.send({ type: 'relay', to: y.peerId, data: sent });
        y.send({ type: 'relay', room: 'noisy', data: sent });
      }
      bad.sendRaw(frame, Buffer.isBuffer(frame));
    }
    for (; sent < perSide; sent++) {
      x.send({ type: 'relay', to: y.peerId, data: sent });
      y.send({ type: 'relay', room: 'noisy', data: sent });
    }

    const codes: string[] = [];
    for (let i = 0; i < malformed.length; i++) codes.push((await bad.next('error')).code);
    expect(codes).toEqual(malformed.map((m) => m.code));

    const expected = Array.from({ length: perSide }, (_, i) => i);
    const fromX: unknown[] = [];
    const fromY: unknown[] = [];
    for (let i = 0; i < perSide; i++) fromX.push((await y.next('relay')).data);
    for (let i = 0; i < perSide; i++) fromY.push((await x.next('relay')).data);
    expect(fromX).toEqual(expected);
    expect(fromY).toEqual(expected);
    // bad got y's broadcasts too: it was never cut off
    const atBad: unknown[] = [];
    for (let i = 0; i < perSide; i++) atBad.push((await bad.next('relay')).data);
    expect(atBad).toEqual(expected);
    expect(x.pending('error')).toEqual([]);
    expect(y.pending('error')).toEqual([]);
    expect(bad.ws.readyState).toBe(bad.ws.OPEN);
    await Promise.all([bad.close(), x.close(), y.close()]);
  });

  it('echoes the request id of a message it refuses, when the id itself is valid', async () => {
    const c = await TestClient.connect(t.url);
    c.send({ type: 'join', id: 'req-9', room: '' });
    expect(await c.nextError('bad-message')).toMatchObject({ ref: 'req-9' });
    c.send({ type: 'teleport', id: 10 });
    expect(await c.nextError('unknown-type')).toMatchObject({ ref: 10 });
    await c.close();
  });
});

describe('invalid UTF-8', () => {
  it('closes only the offending socket, with 1007', async () => {
    const [bad, x, y] = await connectMany(t.url, 3);
    for (const c of [bad, x, y]) await c.join('utf8');
    bad.sendRaw(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])); // a text frame that is not UTF-8
    expect((await bad.closed).code).toBe(1007);
    x.send({ type: 'relay', to: y.peerId, data: 'unaffected' });
    expect((await y.next('relay')).data).toBe('unaffected');
    await Promise.all([x.close(), y.close()]);
  });
});

describe('random frames (fast-check samples)', () => {
  it('never take the hub down or disturb others', async () => {
    const fc = (await import('fast-check')).default;
    const frames = fc.sample(fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.jsonValue({ maxDepth: 8 }).map((v) => JSON.stringify(v)),
      fc.record({ type: fc.constantFrom('join', 'leave', 'signal', 'relay', 'resume', 'refresh-ice', 'watch-rooms'), room: fc.string({ maxLength: 70 }),
        to: fc.string({ maxLength: 40 }), data: fc.jsonValue({ maxDepth: 4 }), token: fc.string({ maxLength: 20 }), received: fc.integer() })
        .map((v) => JSON.stringify(v)),
    ), 300);
    const [noisy, x, y] = await connectMany(t.url, 3);
    for (const c of [x, y]) await c.join('fuzz');
    for (const frame of frames) noisy.sendRaw(frame);
    noisy.send({ type: 'leave', room: '__sync__' }); // a round trip after all of them
    await noisy.take((m): m is import('../../src/protocol/index.ts').ErrorMessage => m.type === 'error' && m.message.includes('__sync__'), 'the sync error');
    expect(noisy.ws.readyState).toBe(noisy.ws.OPEN);
    for (const e of noisy.pending('error')) expect(e.code).toMatch(/^[a-z-]+$/);
    x.send({ type: 'relay', to: y.peerId, data: 'still fine' });
    expect((await y.next('relay')).data).toBe('still fine');
    await Promise.all([noisy.close(), x.close(), y.close()]);
  });
});

import { describe, expect, it } from 'vitest';
import { nameProblem, nestsDeeperThan, parseClientMessage } from '../../src/protocol/index.ts';

const limits = { maxJsonDepth: 4, maxRoomNameLength: 8, maxPeerNameLength: 4 };
const parse = (value: unknown) => parseClientMessage(typeof value === 'string' ? value : JSON.stringify(value), limits);

describe('parseClientMessage', () => {
  it('accepts each message type in its minimal and full form', () => {
    for (const m of [
      { type: 'join', room: 'r' },
      { type: 'join', id: 1, room: 'r', name: 'ann', token: 't' },
      { type: 'leave', room: 'r' },
      { type: 'signal', to: 'p', data: null },
      { type: 'relay', room: 'r', data: 0 },
      { type: 'relay', to: 'p', data: '' },
      { type: 'resume', token: 't', received: 0 },
    ]) {
      expect(parse(m), JSON.stringify(m)).toEqual({ ok: true, message: m });
    }
  });

  it('keeps unknown extra fields out of the way but never trusts them', () => {
    const r = parse({ type: 'signal', to: 'p', data: 1, from: 'someone-else' });
    expect(r.ok).toBe(true);
  });

  it('counts nesting from the message object itself', () => {
    expect(parse({ type: 'relay', room: 'r', data: [[1]] }).ok).toBe(true); // depth 3
    expect(parse({ type: 'relay', room: 'r', data: [[[1]]] }).ok).toBe(true); // depth 4
    expect(parse({ type: 'relay', room: 'r', data: [[[[1]]]] })).toMatchObject({ ok: false, code: 'too-deep' });
  });

  it('never throws, whatever the input', () => {
    const inputs = ['', ' ', '\u0000', '{', '}', '"x"', 'true', '1e999', '{"type":null}', '{"type":"join","room":"r","id":1e999}',
      '{"__proto__":{"type":"join"}}', '{"type":"join","room":"r","constructor":{}}', '['.repeat(100_000)];
    for (const input of inputs) expect(() => parse(input)).not.toThrow();
    expect(parse('{"__proto__":{"type":"join"}}')).toMatchObject({ ok: false, code: 'bad-message' });
  });

  it('rejects ids that are neither short strings nor finite numbers, without echoing them', () => {
    expect(parse({ type: 'leave', room: 'r', id: 'x'.repeat(65) })).toEqual({ ok: false, code: 'bad-message', message: expect.any(String) });
    expect(parse({ type: 'leave', room: 'r', id: true })).toMatchObject({ ok: false, code: 'bad-message' });
  });
});

describe('nameProblem', () => {
  it('counts characters (code points), not UTF-16 units', () => {
    expect(nameProblem('🎉🎉🎉🎉', 4)).toBeNull();
    expect(nameProblem('🎉🎉🎉🎉🎉', 4)).toMatch(/at most 4/);
  });
  it('refuses invisible and layout characters', () => {
    for (const s of ['a\u200bb', 'a\u2028b', 'a\tb', '\u00ad']) expect(nameProblem(s, 10), JSON.stringify(s)).not.toBeNull();
  });
});

describe('nestsDeeperThan', () => {
  it('does not overflow the stack on very deep input', () => {
    let v: unknown = 1;
    for (let i = 0; i < 200_000; i++) v = [v];
    expect(nestsDeeperThan(v, 32)).toBe(true);
  });
});

describe('room names in bytes', () => {
  it('refuses a room name that does not fit the link records\' one-byte length (255 bytes of UTF-8)', async () => {
    const { parseClientMessage } = await import('../../src/protocol/index.ts');
    const limits = { maxJsonDepth: 32, maxRoomNameLength: 64, maxPeerNameLength: 32 };
    const fourByte = '😀'.repeat(64); // 64 code points, 256 bytes
    expect(parseClientMessage(JSON.stringify({ type: 'join', room: fourByte }), limits)).toMatchObject({ ok: false, code: 'bad-message' });
    expect(parseClientMessage(JSON.stringify({ type: 'join', room: '😀'.repeat(63) + '€' }), limits)).toMatchObject({ ok: true }); // 64 code points, 255 bytes
    expect(parseClientMessage(JSON.stringify({ type: 'relay', room: fourByte, data: 1 }), limits)).toMatchObject({ ok: false, code: 'bad-message' });
  });
});

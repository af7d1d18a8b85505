/**
 * The hub copies a relayed `data` from the frame's text instead of serialising it again: the copy must
 * mean exactly what the parser read, and nothing may ride along with it (a second `from`, say).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rawDataText } from '../../src/protocol/raw-data.ts';

/** What the hub sends when it copies: its own envelope around the copied text. */
const forwarded = (text: string) => JSON.parse(`{"type":"signal","from":"hub-stamped","data":${text}}`) as Record<string, unknown>;

describe('rawDataText', () => {
  it('copies data written last, as roomwire clients write it, byte for byte', () => {
    const raw = JSON.stringify({ type: 'signal', to: 'b', data: { candidate: 'candidate:1 1 udp 2122260223 10.0.0.1 54321 typ host', sdpMid: '0', n: [1, 2.5, null, true] } });
    const text = rawDataText(raw, JSON.parse(raw))!;
    expect(text).toBe(JSON.stringify(JSON.parse(raw).data));
  });

  it('refuses what it cannot copy safely: data not last, or written with escapes', () => {
    for (const raw of [
      '{"type":"relay","data":1,"from":"victim"}',
      '{"data":1,"type":"relay"}',
      '{"type":"relay","d\\u0061ta":1}',
      '{"type":"relay","data":1,"x":0,"data":2}',
    ]) expect(rawDataText(raw, JSON.parse(raw)), raw).toBeUndefined();
  });

  it('refuses a copy anything could ride along with: a duplicate key after data, or data twice', () => {
    for (const raw of [
      '{"type":"relay","from":"x","data":1,"from":"victim"}', // JSON.parse keeps from in its first place: data is still last
      '{"type":"relay","x":{"data":{"from":"victim"}},"data":1 , "data" : {"from":"victim2"} }',
    ]) expect(rawDataText(raw, JSON.parse(raw)), raw).toBeUndefined();
    const spaced = '{ "type" : "relay" , "data" : { "a" : [ 1 , "}" ] }  }\n';
    expect(forwarded(rawDataText(spaced, JSON.parse(spaced))!)).toEqual({ type: 'signal', from: 'hub-stamped', data: { a: [1, '}'] } });
  });

  it('for any object whose last key is data, however written, the copy means what the parser read', () => {
    const key = fc.constantFrom('type', 'to', 'room', 'id', 'from', 'data', 'x', 'da\\"ta', 'd\\u0061ta');
    const space = fc.constantFrom('', ' ', '\n', '\t ');
    const member = fc.tuple(key, fc.jsonValue({ maxDepth: 3 }), space, space)
      .map(([k, v, s1, s2]) => `${s1}"${k}"${s2}:${s1}${JSON.stringify(v, null, s2 === '' ? undefined : 1)}${s2}`);
    fc.assert(fc.property(fc.array(member, { minLength: 1, maxLength: 6 }), space, (members, s) => {
      const raw = `${s}{${members.join(',')}}${s}`;
      const parsed = JSON.parse(raw) as Record<string, unknown>;
      const text = rawDataText(raw, parsed);
      if (text === undefined) return; // copied again by serialising: always right
      expect(forwarded(text)).toEqual({ type: 'signal', from: 'hub-stamped', data: parsed.data });
    }), { numRuns: 5_000 });
  });
});

/** The PeerJS side's pure parts: the frame parser, the handshake decision, and the queue on a fake clock. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decidePeerjsHandshake, type PeerjsHandshakeRules } from '../../src/compat/peerjs-handshake.ts';
import { createIdCheck, freshPeerjsId, MemoryPeerjsIds } from '../../src/compat/peerjs-ids.ts';
import { parsePeerjsFrame } from '../../src/compat/peerjs-messages.ts';
import { PeerjsQueue } from '../../src/compat/peerjs-queue.ts';
import { resolveHubOptions } from '../../src/hub/options.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('parsePeerjsFrame', () => {
  it.each([
    ['{"type":"HEARTBEAT","extra":1}', { ok: true, message: { type: 'HEARTBEAT' } }],
    ['{"type":"OFFER","dst":"b","payload":{"sdp":"x"},"src":"forged"}', { ok: true, message: { type: 'OFFER', dst: 'b', payload: { sdp: 'x' } } }],
    ['{"type":"LEAVE"}', { ok: true, message: { type: 'LEAVE', dst: undefined, payload: undefined } }],
    ['{"type":"LEAVE","dst":""}', { ok: true, message: { type: 'LEAVE', dst: undefined, payload: undefined } }],
    ['nope', { ok: false, code: 'bad-json' }],
    ['null', { ok: false, code: 'bad-message' }],
    ['[]', { ok: false, code: 'bad-message' }],
    ['{"type":5}', { ok: false, code: 'bad-message' }],
    ['{"type":"open"}', { ok: false, code: 'unknown-type' }],
    ['{"type":"CANDIDATE","dst":7}', { ok: false, code: 'bad-message' }],
    ['{"type":"ANSWER"}', { ok: false, code: 'bad-message' }],
    ['{"type":"EXPIRE","dst":""}', { ok: false, code: 'bad-message' }],
    ['{"type":"OFFER","dst":"b","payload":[[[["x"]]]]}', { ok: false, code: 'too-deep' }],
  ])('%s', (raw, expected) => {
    expect(parsePeerjsFrame(raw, 4)).toMatchObject(expected);
  });
});

describe('the handshake', () => {
  const options = resolveHubOptions({ peerjsMaxClients: 2 });
  const rules: PeerjsHandshakeRules = { ...options, idAllowed: createIdCheck(options) };
  const ids = new MemoryPeerjsIds<{ token: string }>();
  ids.hold('held', { token: 'secret' });
  const decide = (query: string) => decidePeerjsHandshake(new URLSearchParams(query), ids, rules);

  it('decides in peerjs-server\'s order: parameters, key, id rules, holder, limit', () => {
    expect(decide('key=nope&id=held')).toMatchObject({ kind: 'refuse', code: 'missing-parameters' });
    expect(decide('key=nope&id=bad!&token=t')).toMatchObject({ kind: 'refuse', code: 'invalid-key' });
    expect(decide('key=peerjs&id=bad!&token=t')).toMatchObject({ kind: 'refuse', code: 'invalid-id' });
    expect(decide('key=peerjs&id=held&token=other')).toEqual({ kind: 'taken' });
    expect(decide('key=peerjs&id=held&token=secret')).toEqual({ kind: 'take-over', id: 'held', token: 'secret' });
    expect(decide('key=peerjs&id=new+one&token=t')).toEqual({ kind: 'open', id: 'new one', token: 't' });
    expect(decide('key=peerjs&id=first&id=last&token=t')).toMatchObject({ id: 'last' }); // the last of a repeated one
    ids.hold('other', { token: 't' });
    expect(decide('key=peerjs&id=third&token=t')).toMatchObject({ kind: 'refuse', code: 'concurrent-limit' });
    expect(decide('key=peerjs&id=held&token=secret')).toMatchObject({ kind: 'take-over' }); // a takeover takes no new place
  });

  it('frees an id only for its holder, and hands out ids nobody holds', () => {
    const mine = { token: 't' };
    ids.hold('mine', mine);
    expect(ids.release('mine', { token: 't' })).toBe(false);
    expect(ids.release('mine', mine)).toBe(true);
    expect(freshPeerjsId(ids)).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('PeerjsQueue', () => {
  const limits = { peerjsExpireTimeoutMs: 5_000, peerjsQueuePerPeer: 3, peerjsQueueMaxMessages: 5, peerjsQueueMaxBytes: 100 };

  it('expires a queue expireTimeout after its first message, once per sender, and counts back to zero', () => {
    vi.useFakeTimers();
    const expired: string[] = [];
    const queue = new PeerjsQueue(limits, (src, dst) => expired.push(`${src}->${dst}`));
    queue.add('z', 'a', 'one');
    vi.advanceTimersByTime(4_000);
    queue.add('z', 'a', 'two');
    queue.add('z', 'b', 'three');
    queue.add('y', 'a', 'four');
    vi.advanceTimersByTime(999);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(expired).toEqual(['a->z', 'b->z']);
    expect(queue.size).toBe(1);
    vi.advanceTimersByTime(4_000);
    expect(expired).toEqual(['a->z', 'b->z', 'a->y']);
    expect(queue.size).toBe(0);
    expect(queue.add('x', 'a', 'x'.repeat(100))).toBe(true); // the bytes came back too
  });

  it('hands over what waits in order, which then never expires; refuses beyond its caps', () => {
    vi.useFakeTimers();
    const expired: string[] = [];
    const queue = new PeerjsQueue(limits, (src, dst) => expired.push(`${src}->${dst}`));
    expect(['1', '2', '3', '4'].map((f) => queue.add('z', 'a', f))).toEqual([true, true, true, false]);
    expect(queue.add('y', 'a', 'x'.repeat(98))).toBe(false); // 3 + 98 bytes > 100
    expect(['5', '6', '7'].map((f) => queue.add('y', 'a', f))).toEqual([true, true, false]); // 5 in all
    expect(queue.take('z')).toEqual(['1', '2', '3']);
    expect(queue.take('z')).toEqual([]);
    vi.advanceTimersByTime(10_000);
    expect(expired).toEqual(['a->y']);
    queue.close();
  });
});

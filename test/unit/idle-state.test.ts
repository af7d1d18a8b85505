/**
 * The small forms the hub keeps for idle connections behave exactly as the plain ones they replaced
 * (property tests with fast-check): a session's lazily made replay buffer as an ever-present ReplayBuffer,
 * SessionRooms as a Map's keys (one room, a few, more than INLINE), and TokenBucket.isFull as "no
 * different from a new bucket".
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReplayBuffer } from '../../src/hub/replay-buffer.ts';
import { Session } from '../../src/hub/session.ts';
import { SessionRooms } from '../../src/hub/session-rooms.ts';
import { TokenBucket } from '../../src/protocol/token-bucket.ts';

describe('idle state', () => {
  it("a session's replay buffer, let go when all is confirmed, answers as one that is always there", () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 30 }),
      fc.array(fc.oneof(
        fc.record({ op: fc.constant('deliver' as const), len: fc.integer({ min: 1, max: 12 }) }),
        fc.record({ op: fc.constant('confirm' as const), back: fc.integer({ min: 0, max: 3 }) }),
        fc.record({ op: fc.constant('after' as const), back: fc.integer({ min: -2, max: 6 }) }),
      ), { maxLength: 60 }),
      (start, maxFrames, maxChars, ops) => {
        const limits = { maxBufferedBytes: 1e9, resumeBufferMaxMessages: maxFrames, resumeBufferMaxBytes: maxChars };
        let overflows = 0;
        // No socket: a disconnected session, whose buffer overflowing ends it.
        const session = new Session('p', 't', 'a', limits, { overflow: () => overflows++, socketLost: () => {} }, start);
        const plain = new ReplayBuffer(maxFrames, maxChars, start);
        let plainOverflows = 0;
        let n = 0;
        for (const o of ops) {
          if (o.op === 'deliver') {
            const frame = 'x'.repeat(o.len) + n++;
            session.deliver(frame);
            if (plain.fits(frame)) plain.push(frame);
            else plainOverflows++;
          } else if (o.op === 'confirm') {
            session.confirmThrough(plain.lastSeq - o.back);
            plain.confirmThrough(plain.lastSeq - o.back);
          } else {
            expect(session.framesAfter(plain.lastSeq - o.back)).toEqual(plain.after(plain.lastSeq - o.back));
          }
          expect(session.lastSeq).toBe(plain.lastSeq);
          expect(overflows).toBe(plainOverflows);
        }
      },
    ), { numRuns: 2000 });
  });

  it("SessionRooms answers as a Map's keys, through one room, a few and many", () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 12 })), { maxLength: 80 }), (ops) => {
      const rooms = new SessionRooms();
      const map = new Map<string, true>();
      for (const [add, i] of ops) {
        const room = `r${i}`;
        if (add) {
          rooms.add(room);
          map.set(room, true);
        } else {
          expect(rooms.delete(room)).toBe(map.delete(room));
        }
        expect([...rooms.keys()]).toEqual([...map.keys()]);
        expect(rooms.size).toBe(map.size);
        for (let j = 0; j <= 12; j++) expect(rooms.has(`r${j}`)).toBe(map.has(`r${j}`));
        expect(rooms.find((r) => r.endsWith('3'))).toBe([...map.keys()].find((r) => r.endsWith('3')));
      }
    }), { numRuns: 1000 });
  });

  it('a bucket is full exactly when taking from it behaves as taking from a new one', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 20 }),
      fc.array(fc.tuple(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 25 })), { maxLength: 30 }),
      (rate, capacity, steps) => {
        let now = 0;
        const bucket = new TokenBucket(rate, capacity, () => now);
        for (const [elapsed, cost] of steps) {
          now += elapsed;
          if (bucket.isFull(now)) {
            const fresh = new TokenBucket(rate, capacity, () => now);
            expect(bucket.msUntilNext(capacity)).toBe(fresh.msUntilNext(capacity));
          } else {
            expect(bucket.msUntilNext(capacity)).toBeGreaterThan(0);
          }
          bucket.take(cost, now);
        }
      },
    ), { numRuns: 1000 });
  });
});

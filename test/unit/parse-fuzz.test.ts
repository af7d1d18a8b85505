/** Property tests: whatever arrives, the parser answers with a message or a known code, and never throws. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, parseClientMessage, type ClientMessageType } from '../../src/protocol/index.ts';

const limits = { maxJsonDepth: 32, maxRoomNameLength: 64, maxPeerNameLength: 32 };
const TYPES: ClientMessageType[] = ['join', 'leave', 'signal', 'relay', 'resume', 'refresh-ice', 'watch-rooms'];

function check(raw: string): void {
  const result = parseClientMessage(raw, limits);
  if (result.ok) {
    expect(TYPES).toContain(result.message.type);
  } else {
    expect(ERROR_CODES).toContain(result.code);
    expect(typeof result.message).toBe('string');
  }
}

describe('parseClientMessage (property)', () => {
  it('handles any string', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (raw) => check(raw)), { numRuns: 2_000 });
  });

  it('handles any JSON value', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 40 }), (value) => check(JSON.stringify(value))), { numRuns: 2_000 });
  });

  it('handles objects shaped like messages with wrong or extra fields', () => {
    const field = fc.oneof(fc.string({ maxLength: 80 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null),
      fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 3 }));
    const message = fc.record({
      type: fc.oneof(fc.constantFrom(...TYPES, '__proto__', 'constructor', ''), fc.string({ maxLength: 12 })),
      id: fc.option(field, { nil: undefined }), room: fc.option(field, { nil: undefined }), name: fc.option(field, { nil: undefined }),
      token: fc.option(field, { nil: undefined }), to: fc.option(field, { nil: undefined }), data: fc.option(field, { nil: undefined }),
      received: fc.option(field, { nil: undefined }), role: fc.option(field, { nil: undefined }),
    }, { requiredKeys: ['type'] });
    fc.assert(fc.property(message, (m) => check(JSON.stringify(m))), { numRuns: 5_000 });
  });
});

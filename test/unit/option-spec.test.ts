import { describe, expect, it } from 'vitest';
import { boolOption, intOption, listOption, parseOptions, stringOption, UsageError } from '../../src/option-spec.ts';

const specs = {
  port: intOption(8080, 'TCP port', 'port', { env: 'PORT' }),
  host: stringOption('0.0.0.0', 'address', 'host'),
  stunUrls: listOption([], 'urls', 'stun'),
  p2p: boolOption(true, 'p2p'),
};

describe('parseOptions', () => {
  it('keeps defaults, reads flags in both forms, environment below flags', () => {
    expect(parseOptions(specs, [])).toEqual({ port: 8080, host: '0.0.0.0', stunUrls: [], p2p: true });
    expect(parseOptions(specs, ['--port', '1', '--host=::1', '--stun-urls', 'stun:a:1, stun:b:2', '--no-p2p'], { PORT: '9' }))
      .toEqual({ port: 1, host: '::1', stunUrls: ['stun:a:1', 'stun:b:2'], p2p: false });
    expect(parseOptions(specs, [], { PORT: '9' }).port).toBe(9);
  });
  it('refuses what it cannot read', () => {
    expect(() => parseOptions(specs, ['--port', '-1'])).toThrow(UsageError);
    expect(() => parseOptions(specs, ['--port'])).toThrow(/needs a value/);
    expect(() => parseOptions(specs, ['--nope'])).toThrow(/unknown option/);
    expect(() => parseOptions(specs, ['stray'])).toThrow(/unexpected argument/);
    expect(() => parseOptions(specs, [], { PORT: 'eighty' })).toThrow(/PORT takes a whole number/);
  });
});

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
  it('adds up a repeated list flag, whose values replace the environment\'s and the default', () => {
    const withEnv = { ...specs, webhookUrl: listOption(['http://default'], 'urls', 'hooks', { env: 'HOOKS' }) };
    const env = { HOOKS: 'http://env' };
    expect(parseOptions(withEnv, [], env).webhookUrl).toEqual(['http://env']);
    expect(parseOptions(withEnv, ['--webhook-url', 'http://a', '--webhook-url=http://b,http://c'], env).webhookUrl)
      .toEqual(['http://a', 'http://b', 'http://c']);
    expect(parseOptions(withEnv, ['--webhook-url', 'http://a']).webhookUrl).toEqual(['http://a']);
    expect(parseOptions(specs, ['--stun-urls', 'stun:a:1', '--port', '2', '--stun-urls', 'stun:b:2']))
      .toMatchObject({ port: 2, stunUrls: ['stun:a:1', 'stun:b:2'] });
  });
  it('refuses what it cannot read', () => {
    expect(() => parseOptions(specs, ['--port', '-1'])).toThrow(UsageError);
    expect(() => parseOptions(specs, ['--port'])).toThrow(/needs a value/);
    expect(() => parseOptions(specs, ['--nope'])).toThrow(/unknown option/);
    expect(() => parseOptions(specs, ['stray'])).toThrow(/unexpected argument/);
    expect(() => parseOptions(specs, [], { PORT: 'eighty' })).toThrow(/PORT takes a whole number/);
  });
});

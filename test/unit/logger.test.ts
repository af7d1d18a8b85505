/** Log lines: JSON for collectors, readable lines for people on a terminal or when asked. */
import { describe, expect, it } from 'vitest';
import { prettyLine, prettyLogs } from '../../src/hub/logger.ts';

describe('log format', () => {
  it('is pretty when asked, or on a terminal outside production; JSON otherwise', () => {
    expect(prettyLogs('pretty', false, {})).toBe(true);
    expect(prettyLogs('json', true, {})).toBe(false);
    expect(prettyLogs('auto', true, {})).toBe(true);
    expect(prettyLogs('auto', true, { NODE_ENV: 'production' })).toBe(false);
    expect(prettyLogs('auto', false, {})).toBe(false);
  });

  it('refuses an unknown format with the option name', () => {
    expect(() => prettyLogs('fancy', true, {})).toThrow(/logFormat must be one of auto, json, pretty/);
  });

  it('writes a pino line as time, level, message and fields, without pid, hostname and service', () => {
    const time = new Date(2026, 0, 2, 3, 4, 5, 67).getTime();
    const line = JSON.stringify({ level: 40, time, pid: 1, hostname: 'h', service: 'roomwire', msg: 'server peer exited; restarting', code: 1, signal: null, note: 'two words' });
    expect(prettyLine(line)).toBe('03:04:05.067 WARN  server peer exited; restarting code=1 signal=null note="two words"\n');
  });

  it('prints an error stack on its own lines, and passes what is not JSON unchanged', () => {
    const line = JSON.stringify({ level: 50, time: 0, msg: 'static file failed', err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at x' } });
    expect(prettyLine(line)).toMatch(/ERROR static file failed err="boom"\nError: boom\n    at x\n$/);
    expect(prettyLine('not json\n')).toBe('not json\n');
  });
});

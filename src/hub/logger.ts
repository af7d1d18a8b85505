import { pino, type Logger } from 'pino';

export type { Logger };

export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * Structured JSON lines for log collectors; readable lines when stdout is a terminal (format `auto`, unless
 * NODE_ENV is production) or when asked for (`pretty`). The readable form is formatted here, in the same
 * thread: no pino-pretty, and no transport worker thread (that cost ~15 MiB of RSS at idle, bench/hub-startup.ts). Tests pass
 * level `silent`.
 */
export function createLogger(level: string, format: string = 'auto'): Logger {
  const options = { level, base: { service: 'roomwire' } };
  if (!prettyLogs(format, process.stdout.isTTY === true, process.env)) return pino(options);
  const colours = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
  return pino(options, { write: (line: string) => void process.stdout.write(prettyLine(line, colours)) });
}

/** Whether log lines are written for people: asked for, or `auto` on a terminal outside production. */
export function prettyLogs(format: string, isTTY: boolean, env: Readonly<Record<string, string | undefined>>): boolean {
  if (!(LOG_FORMATS as readonly string[]).includes(format)) throw new RangeError(`option logFormat must be one of ${LOG_FORMATS.join(', ')}`);
  return format === 'pretty' || (format === 'auto' && isTTY && env.NODE_ENV !== 'production');
}

const LEVELS: Record<number, [name: string, colour: number]> = {
  10: ['TRACE', 90], 20: ['DEBUG', 36], 30: ['INFO ', 32], 40: ['WARN ', 33], 50: ['ERROR', 31], 60: ['FATAL', 35],
};
/** Fields every line has, or that the line shows in its own place. */
const OMITTED = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'service']);

/** One pino JSON line as `HH:MM:ss.mmm LEVEL message key=value ...`; anything unparsable passes unchanged. */
export function prettyLine(line: string, colours = false): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line);
  } catch {
    return line;
  }
  const paint = (colour: number, text: string) => (colours ? `\x1b[${colour}m${text}\x1b[0m` : text);
  const time = new Date(typeof record.time === 'number' ? record.time : Date.now());
  const clock = [time.getHours(), time.getMinutes(), time.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
  const [name, colour] = LEVELS[record.level as number] ?? [String(record.level), 0];
  const fields = Object.entries(record)
    .filter(([key]) => !OMITTED.has(key))
    .map(([key, value]) => `${paint(90, key + '=')}${fieldText(value)}`);
  const err = record.err as { stack?: unknown } | undefined;
  const stack = typeof err?.stack === 'string' ? `\n${err.stack}` : '';
  return `${clock}.${String(time.getMilliseconds()).padStart(3, '0')} ${paint(colour, name)} ${record.msg ?? ''}${fields.length > 0 ? ' ' + fields.join(' ') : ''}${stack}\n`;
}

function fieldText(value: unknown): string {
  if (typeof value === 'string') return /^[\w.:/@-]*$/.test(value) && value !== '' ? value : JSON.stringify(value);
  if (value !== null && typeof value === 'object' && 'stack' in value) return JSON.stringify((value as { message?: unknown }).message);
  return JSON.stringify(value);
}

import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs; in a terminal (NODE_ENV not production) pino-pretty makes them readable.
 * Tests pass level `silent`.
 */
export function createLogger(level: string): Logger {
  const pretty = process.env.NODE_ENV !== 'production' && level !== 'silent';
  return pino({
    level,
    base: { service: 'roomwire' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' } } } : {}),
  });
}

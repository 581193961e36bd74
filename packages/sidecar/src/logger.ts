import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/** pino's levels, most to least severe; `silent` logs nothing. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The sidecar's logger: one JSON object per line, `level` as its name (`"info"`, not pino's 30) and
 * `time` as an RFC 3339 UTC instant, so log collectors need no pino-specific mapping. Errors go
 * under `err` (message, stack, and own properties such as `code`).
 *
 * Without `destination` it writes to stdout through pino's default stream, which is flushed
 * synchronously when the process exits: a line logged just before `process.exit()` (a forced
 * shutdown) is not lost in a buffer.
 */
export function createLogger(level: LogLevel = 'info', destination?: DestinationStream): Logger {
  const options = {
    level,
    name: 'br-schedule',
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}

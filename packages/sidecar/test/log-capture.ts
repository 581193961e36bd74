import { createLogger, type Logger } from '../src/logger.ts';

/** A logger writing into an array, one parsed JSON object per line. */
export function captureLogs(level: Parameters<typeof createLogger>[0] = 'info'): {
  logger: Logger;
  lines: Record<string, unknown>[];
} {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger(level, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

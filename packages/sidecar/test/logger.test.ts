import { SchedulerError } from '@br-sdk/schedule';
import { describe, expect, it } from 'vitest';
import { captureLogs } from './log-capture.ts';

describe('createLogger', () => {
  it('writes one JSON object per line, with the level by name and an RFC 3339 time', () => {
    const { logger, lines } = captureLogs('info');
    logger.info({ task_id: 't1' }, 'fired');
    logger.debug('not at info');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', name: 'br-schedule', task_id: 't1', msg: 'fired' });
    expect(lines[0]?.['time']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('serializes errors under err, with their stable code', () => {
    const { logger, lines } = captureLogs('info');
    logger.error({ err: new SchedulerError('STORE_LOCKED', 'held by another process') }, 'cannot open the store');
    expect(lines[0]).toMatchObject({
      level: 'error',
      msg: 'cannot open the store',
      err: { type: 'SchedulerError', code: 'STORE_LOCKED', message: 'held by another process' },
    });
    const err = lines[0]?.['err'] as { stack?: string } | undefined;
    expect(err?.stack).toContain('held by another process');
  });

  it('logs nothing when silent', () => {
    const { logger, lines } = captureLogs('silent');
    logger.fatal('gone');
    expect(lines).toEqual([]);
  });
});

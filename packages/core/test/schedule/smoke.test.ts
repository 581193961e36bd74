import { describe, expect, it } from 'vitest';
import { compileSchedule } from '../../src/index.ts';

describe('smoke', () => {
  it('fires 02:30 in the New York spring gap at 03:30 EDT', () => {
    const s = compileSchedule({ timezone: 'America/New_York', rules: [{ cron: '30 2 * * *' }] });
    expect(s.next(new Date('2026-03-08T00:00:00Z'))?.toISOString()).toBe('2026-03-08T07:30:00.000Z');
  });
});

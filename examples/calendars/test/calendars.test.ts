import { FakeClock } from '@br-sdk/schedule/testing';
import { describe, expect, it } from 'vitest';
import { type Fire, startCalendars } from '../src/calendars.ts';

describe('example: the four calendars', () => {
  it('fires each calendar at its instants over two weeks in Asia/Tehran (UTC+03:30)', async () => {
    const clock = new FakeClock('2026-11-22T00:00:00Z');
    const fires: Fire[] = [];
    const { scheduler } = await startCalendars({
      timezone: 'Asia/Tehran',
      onFire: (fire) => fires.push(fire),
      scheduler: { clock },
    });
    await clock.advanceTo('2026-12-06T00:00:00Z');
    await scheduler.stop();
    const by = (calendar: string) => fires.filter((f) => f.calendar === calendar).map((f) => f.scheduledAt);
    // Thursday 17:00 Tehran = 13:30Z; Saturday 04:00 = 00:30Z; the 3rd 15:00 = 11:30Z.
    expect(by('Thursdays 17:00')).toEqual(['2026-11-26T13:30:00.000Z', '2026-12-03T13:30:00.000Z']);
    expect(by('Saturdays 04:00')).toEqual(['2026-11-28T00:30:00.000Z', '2026-12-05T00:30:00.000Z']);
    expect(by('the 3rd of each month at 15:00')).toEqual(['2026-12-03T11:30:00.000Z']);
    // From 2026-11-01 00:00 Tehran: k=3 is Dec 1 00:00 local (Nov 30 20:30Z) + 3×3 h elapsed = Dec 1 05:30Z.
    expect(by('every 10 days and 3 hours')).toEqual(['2026-12-01T05:30:00.000Z']);
    const union = [
      ...by('Thursdays 17:00'),
      ...by('Saturdays 04:00'),
      ...by('the 3rd of each month at 15:00'),
      ...by('every 10 days and 3 hours'),
    ].sort();
    expect(by('all four')).toEqual(union);
  });
});

import { describe, expect, it } from 'vitest';
import { compileSchedule } from '../../src/index.ts';
import { fires } from './harness.ts';
import { utc } from './helpers.ts';

/** Rule 2 in UTC, so that only the cron semantics are under test (zones: timezone.test.ts). */
const cron = (expression: string) => ({ rules: [{ cron: expression }] });
/** 2026-01-01 is a Thursday. */
const JAN1 = '2026-01-01T00:00:00Z';

describe('rule 2: cron, 5 fields (minute hour day-of-month month day-of-week)', () => {
  it('a fixed minute and hour fires once a day', () => {
    expect(fires(cron('30 9 * * *'), JAN1, 3)).toEqual(
      utc('2026-01-01T09:30Z', '2026-01-02T09:30Z', '2026-01-03T09:30Z'),
    );
  });

  it('fires at second 0 of the matching minute', () => {
    expect(fires(cron('* * * * *'), '2026-01-01T00:00:30Z', 2)).toEqual(utc('2026-01-01T00:01Z', '2026-01-01T00:02Z'));
  });

  it('lists', () => {
    expect(fires(cron('0,30 9,17 * * *'), JAN1, 5)).toEqual(
      utc('2026-01-01T09:00Z', '2026-01-01T09:30Z', '2026-01-01T17:00Z', '2026-01-01T17:30Z', '2026-01-02T09:00Z'),
    );
  });

  it('ranges', () => {
    expect(fires(cron('0 22-23 * * *'), JAN1, 3)).toEqual(
      utc('2026-01-01T22:00Z', '2026-01-01T23:00Z', '2026-01-02T22:00Z'),
    );
  });

  it('steps on * and on a range', () => {
    expect(fires(cron('*/15 0 * * *'), JAN1, 5)).toEqual(
      utc('2026-01-01T00:15Z', '2026-01-01T00:30Z', '2026-01-01T00:45Z', '2026-01-02T00:00Z', '2026-01-02T00:15Z'),
    );
    // 10-30/10 = 10, 20, 30.
    expect(fires(cron('10-30/10 1 * * *'), JAN1, 4)).toEqual(
      utc('2026-01-01T01:10Z', '2026-01-01T01:20Z', '2026-01-01T01:30Z', '2026-01-02T01:10Z'),
    );
  });

  it('N/step means N-max/step (5/10 in day-of-month = the 5th, 15th, 25th)', () => {
    expect(fires(cron('0 0 5/10 * *'), JAN1, 4)).toEqual(
      utc('2026-01-05T00:00Z', '2026-01-15T00:00Z', '2026-01-25T00:00Z', '2026-02-05T00:00Z'),
    );
  });

  it('month names, case-insensitive, in lists and ranges', () => {
    // 1st of Feb, Mar, Apr (feb-APR), then Dec.
    expect(fires(cron('0 0 1 feb-APR,Dec *'), JAN1, 5)).toEqual(
      utc('2026-02-01T00:00Z', '2026-03-01T00:00Z', '2026-04-01T00:00Z', '2026-12-01T00:00Z', '2027-02-01T00:00Z'),
    );
  });

  it('day-of-week names and numbers (2026-01-05 is a Monday)', () => {
    const expected = utc('2026-01-05T08:00Z', '2026-01-08T08:00Z', '2026-01-12T08:00Z');
    expect(fires(cron('0 8 * * MON,thu'), '2026-01-02T00:00:00Z', 3)).toEqual(expected);
    expect(fires(cron('0 8 * * 1,4'), '2026-01-02T00:00:00Z', 3)).toEqual(expected);
  });

  it('day-of-week 0 and 7 are both Sunday (2026-01-04 and -11 are Sundays)', () => {
    const sundays = utc('2026-01-04T00:00Z', '2026-01-11T00:00Z');
    expect(fires(cron('0 0 * * 0'), JAN1, 2)).toEqual(sundays);
    expect(fires(cron('0 0 * * 7'), JAN1, 2)).toEqual(sundays);
    expect(fires(cron('0 0 * * SUN'), JAN1, 2)).toEqual(sundays);
  });

  it('a day-of-week range may end on Sunday: 5-7 and FRI-SUN (Fri 2, Sat 3, Sun 4, Fri 9)', () => {
    const weekend = utc('2026-01-02T00:00Z', '2026-01-03T00:00Z', '2026-01-04T00:00Z', '2026-01-09T00:00Z');
    expect(fires(cron('0 0 * * 5-7'), JAN1, 4)).toEqual(weekend);
    expect(fires(cron('0 0 * * FRI-SUN'), JAN1, 4)).toEqual(weekend);
  });

  it('a day-of-week range starting on Sunday: SUN-SUN and 0-0 are Sunday alone, SUN-7 and SUN-SAT the whole week', () => {
    const sundays = utc('2026-01-04T00:00Z', '2026-01-11T00:00Z');
    expect(fires(cron('0 0 * * SUN-SUN'), JAN1, 2)).toEqual(sundays);
    expect(fires(cron('0 0 * * 0-0'), JAN1, 2)).toEqual(sundays);
    expect(fires(cron('0 0 * * 0-0/1'), JAN1, 2)).toEqual(sundays);
    const everyDay = utc('2026-01-02T00:00Z', '2026-01-03T00:00Z', '2026-01-04T00:00Z', '2026-01-05T00:00Z');
    expect(fires(cron('0 0 * * SUN-7'), JAN1, 4)).toEqual(everyDay);
    expect(fires(cron('0 0 * * sun-sat'), JAN1, 4)).toEqual(everyDay);
  });

  it('a day-of-week step from a name: SUN/2 is 0-7/2 = Sun, Tue, Thu, Sat', () => {
    // 2026-01-03 Sat, 01-04 Sun, 01-06 Tue, 01-08 Thu.
    const expected = utc('2026-01-03T00:00Z', '2026-01-04T00:00Z', '2026-01-06T00:00Z', '2026-01-08T00:00Z');
    expect(fires(cron('0 0 * * SUN/2'), JAN1, 4)).toEqual(expected);
    expect(fires(cron('0 0 * * 0/2'), JAN1, 4)).toEqual(expected);
    // 1/2 is 1-7/2 = Mon, Wed, Fri, Sun (7).
    expect(fires(cron('0 0 * * 1/2'), JAN1, 4)).toEqual(
      utc('2026-01-02T00:00Z', '2026-01-04T00:00Z', '2026-01-05T00:00Z', '2026-01-07T00:00Z'),
    );
  });

  it('a numeric day-of-week range ending in 0 ends on Sunday: 5-0 = FRI-SUN', () => {
    expect(fires(cron('0 0 * * 5-0'), JAN1, 4)).toEqual(
      utc('2026-01-02T00:00Z', '2026-01-03T00:00Z', '2026-01-04T00:00Z', '2026-01-09T00:00Z'),
    );
  });

  it('accepts extra whitespace between fields', () => {
    expect(fires(cron('  0   9\t* * *  '), JAN1, 1)).toEqual(utc('2026-01-01T09:00Z'));
  });
});

describe('rule 2: day-of-month and day-of-week together (Vixie OR)', () => {
  it('both restricted: a day matches if EITHER matches (13th of the month OR Friday)', () => {
    // Fridays of Jan 2026: 2, 9, 16, 23, 30; Jan 13 is a Tuesday; Feb 13 is a Friday and fires once.
    expect(fires(cron('0 9 13 * FRI'), JAN1, 9)).toEqual(
      utc(
        '2026-01-02T09:00Z',
        '2026-01-09T09:00Z',
        '2026-01-13T09:00Z',
        '2026-01-16T09:00Z',
        '2026-01-23T09:00Z',
        '2026-01-30T09:00Z',
        '2026-02-06T09:00Z',
        '2026-02-13T09:00Z',
        '2026-02-20T09:00Z',
      ),
    );
  });

  it('only day-of-month restricted: that field alone decides', () => {
    expect(fires(cron('0 9 13 * *'), JAN1, 2)).toEqual(utc('2026-01-13T09:00Z', '2026-02-13T09:00Z'));
  });

  it('only day-of-week restricted: that field alone decides', () => {
    expect(fires(cron('0 9 * * FRI'), JAN1, 2)).toEqual(utc('2026-01-02T09:00Z', '2026-01-09T09:00Z'));
  });

  it('anything but a bare * is restricted: */1 in day-of-month with FRI fires every day', () => {
    expect(fires(cron('0 9 */1 * FRI'), JAN1, 3)).toEqual(
      utc('2026-01-01T09:00Z', '2026-01-02T09:00Z', '2026-01-03T09:00Z'),
    );
  });

  it('the OR applies within the allowed months only', () => {
    // June 2026: the 1st is a Monday; the 13th is a Saturday; Mondays 1, 8, 15, 22, 29.
    expect(fires(cron('0 0 13 6 MON'), JAN1, 6)).toEqual(
      utc(
        '2026-06-01T00:00Z',
        '2026-06-08T00:00Z',
        '2026-06-13T00:00Z',
        '2026-06-15T00:00Z',
        '2026-06-22T00:00Z',
        '2026-06-29T00:00Z',
      ),
    );
  });
});

describe('rule 2: cron, 6 fields (seconds first)', () => {
  it('a seconds field fires within the minute', () => {
    expect(fires(cron('*/20 * * * * *'), JAN1, 4)).toEqual(
      utc('2026-01-01T00:00:20Z', '2026-01-01T00:00:40Z', '2026-01-01T00:01:00Z', '2026-01-01T00:01:20Z'),
    );
  });

  it('all six fields: 09:00:30 on Fridays', () => {
    expect(fires(cron('30 0 9 * * FRI'), JAN1, 2)).toEqual(utc('2026-01-02T09:00:30Z', '2026-01-09T09:00:30Z'));
  });

  it('second 59 of the last minute of the day, across a year end', () => {
    expect(fires(cron('59 59 23 31 12 *'), JAN1, 2)).toEqual(utc('2026-12-31T23:59:59Z', '2027-12-31T23:59:59Z'));
  });

  it('a per-second rule fires every second', () => {
    expect(fires(cron('* * * * * *'), '2026-01-01T23:59:58Z', 3)).toEqual(
      utc('2026-01-01T23:59:59Z', '2026-01-02T00:00:00Z', '2026-01-02T00:00:01Z'),
    );
  });
});

describe('rule 2: month ends and February 29', () => {
  it('day 31 skips months without one', () => {
    expect(fires(cron('0 0 31 * *'), JAN1, 7)).toEqual(
      utc(
        '2026-01-31T00:00Z',
        '2026-03-31T00:00Z',
        '2026-05-31T00:00Z',
        '2026-07-31T00:00Z',
        '2026-08-31T00:00Z',
        '2026-10-31T00:00Z',
        '2026-12-31T00:00Z',
      ),
    );
  });

  it('day 30 skips February only', () => {
    expect(fires(cron('0 0 30 1-3 *'), JAN1, 3)).toEqual(
      utc('2026-01-30T00:00Z', '2026-03-30T00:00Z', '2027-01-30T00:00Z'),
    );
  });

  it('February 29 fires in leap years only', () => {
    expect(fires(cron('0 12 29 2 *'), JAN1, 3)).toEqual(
      utc('2028-02-29T12:00Z', '2032-02-29T12:00Z', '2036-02-29T12:00Z'),
    );
  });

  it('2100 is not a leap year (divisible by 100, not by 400): 2096, then 2104', () => {
    expect(fires(cron('0 0 29 2 *'), '2095-01-01T00:00:00Z', 2)).toEqual(utc('2096-02-29T00:00Z', '2104-02-29T00:00Z'));
  });

  it('2000 was a leap year (divisible by 400)', () => {
    expect(fires(cron('0 0 29 2 *'), '1997-01-01T00:00:00Z', 2)).toEqual(utc('2000-02-29T00:00Z', '2004-02-29T00:00Z'));
  });

  it('the last day of February every year, leap or not, via a list', () => {
    // 28 fires every year; 29 in leap years: 2027-02-28, 2028-02-28, 2028-02-29, 2029-02-28.
    expect(fires(cron('0 0 28,29 2 *'), '2027-01-01T00:00:00Z', 4)).toEqual(
      utc('2027-02-28T00:00Z', '2028-02-28T00:00Z', '2028-02-29T00:00Z', '2029-02-28T00:00Z'),
    );
  });

  it('February 29 on a given weekday OR any Monday (Vixie) still fires on Mondays', () => {
    // 2026-02-02 is a Monday.
    expect(fires(cron('0 0 29 2 MON'), JAN1, 2)).toEqual(utc('2026-02-02T00:00Z', '2026-02-09T00:00Z'));
  });

  it('a rule whose next fire would be after 9999 has none', () => {
    const s = compileSchedule(cron('0 0 29 2 *'));
    expect(s.next(Date.parse('9996-03-01T00:00:00Z'))).toBeNull();
    expect(s.preview(Date.parse('9995-03-01T00:00:00Z'), 2).map((d) => d.toISOString())).toEqual(
      utc('9996-02-29T00:00Z'),
    );
  });
});

describe('rule 2: nicknames', () => {
  // 2026-01-04 is the first Sunday of 2026.
  it.each([
    ['@yearly', ['2027-01-01T00:00Z', '2028-01-01T00:00Z']],
    ['@annually', ['2027-01-01T00:00Z', '2028-01-01T00:00Z']],
    ['@monthly', ['2026-02-01T00:00Z', '2026-03-01T00:00Z']],
    ['@weekly', ['2026-01-04T00:00Z', '2026-01-11T00:00Z']],
    ['@daily', ['2026-01-02T00:00Z', '2026-01-03T00:00Z']],
    ['@hourly', ['2026-01-01T01:00Z', '2026-01-01T02:00Z']],
    ['@minutely', ['2026-01-01T00:01Z', '2026-01-01T00:02Z']],
    ['@WEEKLY', ['2026-01-04T00:00Z', '2026-01-11T00:00Z']],
  ])('%s', (nickname, expected) => {
    expect(fires(cron(nickname), JAN1, 2)).toEqual(utc(...expected));
  });
});

describe('rule 2: crontab object form', () => {
  it('each key is a cron field; missing keys are *', () => {
    const spec = { rules: [{ crontab: { minute: '0', hour: '17', day_of_week: 'THU' } }] };
    expect(fires(spec, JAN1, 2)).toEqual(utc('2026-01-01T17:00Z', '2026-01-08T17:00Z'));
  });

  it('numbers are accepted as fields', () => {
    const spec = { rules: [{ crontab: { minute: 0, hour: 15, day_of_month: 3 } }] };
    expect(fires(spec, JAN1, 2)).toEqual(utc('2026-01-03T15:00Z', '2026-02-03T15:00Z'));
  });

  it('day_of_week 7 is Sunday; month_of_year takes names', () => {
    const spec = { rules: [{ crontab: { minute: 0, hour: 0, day_of_week: 7, month_of_year: 'FEB' } }] };
    // Sundays of February 2026: 1, 8.
    expect(fires(spec, JAN1, 2)).toEqual(utc('2026-02-01T00:00Z', '2026-02-08T00:00Z'));
  });

  it('the Vixie OR applies to crontabs too', () => {
    const spec = { rules: [{ crontab: { minute: 0, hour: 9, day_of_month: '13', day_of_week: 'FRI' } }] };
    expect(fires(spec, JAN1, 3)).toEqual(utc('2026-01-02T09:00Z', '2026-01-09T09:00Z', '2026-01-13T09:00Z'));
  });

  it('an empty crontab is * * * * *: every minute', () => {
    expect(fires({ rules: [{ crontab: {} }] }, JAN1, 2)).toEqual(utc('2026-01-01T00:01Z', '2026-01-01T00:02Z'));
  });

  it('gives the same fires as the equivalent cron string', () => {
    const tab = { minute: '*/20', hour: '8-9', day_of_month: '1,15', month_of_year: 'JAN-MAR', day_of_week: 'MON' };
    expect(fires({ rules: [{ crontab: tab }] }, JAN1, 40)).toEqual(fires(cron('*/20 8-9 1,15 JAN-MAR MON'), JAN1, 40));
  });

  it('a bare crontab object is a whole schedule, in UTC', () => {
    const s = compileSchedule({ minute: 0, hour: 4, day_of_week: 'SAT' });
    expect(s.timezone).toBe('UTC');
    expect(s.spec).toEqual({ timezone: 'UTC', rules: [{ crontab: { minute: 0, hour: 4, day_of_week: 'SAT' } }] });
    // 2026-01-03 is a Saturday.
    expect(fires({ minute: 0, hour: 4, day_of_week: 'SAT' }, JAN1, 2)).toEqual(
      utc('2026-01-03T04:00Z', '2026-01-10T04:00Z'),
    );
  });

  it('an array of crontabs is the union of them, in UTC', () => {
    const tabs = [
      { minute: 0, hour: 17, day_of_week: 'THU' },
      { minute: 0, hour: 4, day_of_week: 'SAT' },
      { minute: 0, hour: 15, day_of_month: 3 },
    ];
    expect(fires(tabs, JAN1, 5)).toEqual(
      utc('2026-01-01T17:00Z', '2026-01-03T04:00Z', '2026-01-03T15:00Z', '2026-01-08T17:00Z', '2026-01-10T04:00Z'),
    );
  });
});

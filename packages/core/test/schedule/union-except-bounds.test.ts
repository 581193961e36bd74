import { describe, expect, it } from 'vitest';
import {
  compileSchedule,
  InvalidArgumentError,
  MAX_PREVIEW_COUNT,
  SchedulerError,
  ScheduleSearchLimitError,
} from '../../src/index.ts';
import { fires, NOW } from './harness.ts';
import { HOUR, isos, ms, utc } from './helpers.ts';

describe('rule 5: at', () => {
  const at = (value: string, timezone = 'UTC') => ({ timezone, rules: [{ at: value }] });

  it('fires once at an RFC 3339 instant', () => {
    expect(fires(at('2026-11-26T13:30:00Z'), '2026-01-01T00:00:00Z', 5)).toEqual(utc('2026-11-26T13:30Z'));
  });

  it('an offset makes it an instant whatever the zone: 17:00 +03:30 = 13:30Z', () => {
    expect(fires(at('2026-11-26T17:00:00+03:30', 'America/New_York'), '2026-01-01T00:00:00Z', 1)).toEqual(
      utc('2026-11-26T13:30Z'),
    );
    expect(fires(at('2026-11-26T08:30:00-05:00', 'Asia/Tehran'), '2026-01-01T00:00:00Z', 1)).toEqual(
      utc('2026-11-26T13:30Z'),
    );
  });

  it('without an offset it is read in timezone: 17:00 in Tehran = 13:30Z', () => {
    expect(fires(at('2026-11-26T17:00:00', 'Asia/Tehran'), '2026-01-01T00:00:00Z', 1)).toEqual(
      utc('2026-11-26T13:30Z'),
    );
    expect(fires(at('2026-11-26T17:00', 'Asia/Tehran'), '2026-01-01T00:00:00Z', 1)).toEqual(utc('2026-11-26T13:30Z'));
  });

  it('a local date-time in a gap or an overlap resolves per rule 3', () => {
    expect(fires(at('2026-03-08T02:30:00', 'America/New_York'), 0, 1)).toEqual(utc('2026-03-08T07:30Z'));
    expect(fires(at('2026-11-01T01:30:00', 'America/New_York'), 0, 1)).toEqual(utc('2026-11-01T05:30Z'));
    // Lord Howe 2026-10-04 02:10 is in the 02:00→02:30 gap: read with +10:30 = 10-03 15:40Z.
    expect(fires(at('2026-10-04T02:10:00', 'Australia/Lord_Howe'), 0, 1)).toEqual(utc('2026-10-03T15:40Z'));
  });

  it('keeps fractions to the millisecond; accepts lower-case t and z and a space', () => {
    expect(fires(at('2026-11-26T13:30:00.25Z'), 0, 1)).toEqual(['2026-11-26T13:30:00.250Z']);
    expect(fires(at('2026-11-26T13:30:00.123456Z'), 0, 1)).toEqual(['2026-11-26T13:30:00.123Z']);
    expect(fires(at('2026-11-26t13:30:00z'), 0, 1)).toEqual(utc('2026-11-26T13:30Z'));
    expect(fires(at('2026-11-26 13:30:00Z'), 0, 1)).toEqual(utc('2026-11-26T13:30Z'));
  });

  it('an at in the past compiles and leaves nothing to preview', () => {
    const s = compileSchedule(at('2020-01-01T00:00:00Z'));
    expect(s.preview(ms('2026-01-01T00:00:00Z'), 5)).toEqual([]);
    expect(s.next(ms('2026-01-01T00:00:00Z'))).toBeNull();
  });
});

describe('rule 6: union', () => {
  it('an instant produced by a cron rule and an at fires once', () => {
    const spec = { rules: [{ cron: '0 9 * * *' }, { at: '2026-01-02T09:00:00Z' }] };
    expect(fires(spec, '2026-01-01T00:00:00Z', 3)).toEqual(
      utc('2026-01-01T09:00Z', '2026-01-02T09:00Z', '2026-01-03T09:00Z'),
    );
  });

  it('identical rules fire once', () => {
    const spec = { rules: [{ cron: '0 9 * * *' }, { cron: '0 9 * * *' }, { crontab: { minute: 0, hour: 9 } }] };
    expect(fires(spec, '2026-01-01T00:00:00Z', 2)).toEqual(utc('2026-01-01T09:00Z', '2026-01-02T09:00Z'));
  });

  it('a cron and an every that coincide every other fire', () => {
    const spec = { rules: [{ cron: '0 */6 * * *' }, { every: 'PT3H', from: '2026-01-01T00:00:00Z' }] };
    expect(fires(spec, '2025-12-31T23:00:00Z', 5)).toEqual(
      utc('2026-01-01T00:00Z', '2026-01-01T03:00Z', '2026-01-01T06:00Z', '2026-01-01T09:00Z', '2026-01-01T12:00Z'),
    );
  });

  it('interleaves rules of every kind in time order', () => {
    const spec = {
      rules: [
        { at: '2026-01-01T10:30:00Z' },
        { cron: '0 12 * * *' },
        { every: 'PT5H', from: '2026-01-01T01:00:00Z' },
        { crontab: { minute: 15, hour: 11 } },
      ],
    };
    // every: 01:00, 06:00, 11:00, 16:00; at 10:30; crontab 11:15; cron 12:00.
    expect(fires(spec, '2026-01-01T00:00:00Z', 7)).toEqual(
      utc(
        '2026-01-01T01:00Z',
        '2026-01-01T06:00Z',
        '2026-01-01T10:30Z',
        '2026-01-01T11:00Z',
        '2026-01-01T11:15Z',
        '2026-01-01T12:00Z',
        '2026-01-01T16:00Z',
      ),
    );
  });

  it('a gap wall and the wall it resolves to are one instant across rules', () => {
    // 02:30 (gap) and 03:30 EDT on 2026-03-08 in New York are both 07:30Z.
    const spec = { timezone: 'America/New_York', rules: [{ cron: '30 2 8 3 *' }, { at: '2026-03-08T03:30:00' }] };
    expect(fires(spec, '2026-03-01T00:00:00Z', 2)).toEqual(utc('2026-03-08T07:30Z', '2027-03-08T07:30Z'));
  });
});

describe('rule 7: except', () => {
  it('a 5-field cron exclusion ignores seconds: 1 9 * * * drops 09:01:00 to 09:01:59', () => {
    const spec = { rules: [{ cron: '*/20 * 9 * * *' }], except: [{ cron: '1 9 * * *' }] };
    expect(fires(spec, '2026-01-01T09:00:30Z', 3)).toEqual(
      utc('2026-01-01T09:00:40Z', '2026-01-01T09:02:00Z', '2026-01-01T09:02:20Z'),
    );
  });

  it('a 6-field cron exclusion must match to the second', () => {
    const spec = { rules: [{ cron: '*/20 * 9 * * *' }], except: [{ cron: '20 1 9 * * *' }] };
    expect(fires(spec, '2026-01-01T09:00:50Z', 3)).toEqual(
      utc('2026-01-01T09:01:00Z', '2026-01-01T09:01:40Z', '2026-01-01T09:02:00Z'),
    );
  });

  it('a 5-field exclusion drops every-rule fires anywhere in the minute', () => {
    const spec = { rules: [{ every: 'PT30S', from: '2026-01-01T00:58:45Z' }], except: [{ cron: '0 * * * *' }] };
    // 00:59:15, 00:59:45, [01:00:15, 01:00:45 dropped], 01:01:15.
    expect(fires(spec, '2026-01-01T00:59:00Z', 3)).toEqual(
      utc('2026-01-01T00:59:15Z', '2026-01-01T00:59:45Z', '2026-01-01T01:01:15Z'),
    );
  });

  it('a crontab exclusion: no weekend fires (2026-01-03/04 are Saturday and Sunday)', () => {
    const spec = { rules: [{ cron: '0 9 * * *' }], except: [{ crontab: { day_of_week: 'SAT,SUN' } }] };
    expect(fires(spec, '2026-01-01T12:00:00Z', 2)).toEqual(utc('2026-01-02T09:00Z', '2026-01-05T09:00Z'));
  });

  it('cron exclusions match the wall clock of timezone, not UTC', () => {
    // Hourly in New York (EST, -05:00), dropping 00:00-07:59 local = 05:00Z-12:59Z.
    const spec = { timezone: 'America/New_York', rules: [{ cron: '0 * * * *' }], except: [{ cron: '* 0-7 * * *' }] };
    expect(fires(spec, '2026-01-01T03:30:00Z', 3)).toEqual(
      utc('2026-01-01T04:00Z', '2026-01-01T13:00Z', '2026-01-01T14:00Z'),
    );
  });

  it('a dropped fire is not moved', () => {
    const spec = { rules: [{ cron: '0 9 * * *' }], except: [{ between: ['2026-01-02', '2026-01-02'] }] };
    expect(fires(spec, '2026-01-01T12:00:00Z', 1)).toEqual(utc('2026-01-03T09:00Z'));
  });

  it('between two dates: whole days, both inclusive, on the wall clock of timezone', () => {
    // New York (EST): Dec 24 00:00 = 05:00Z to Dec 27 00:00 = Dec 27 05:00Z is excluded.
    const spec = {
      timezone: 'America/New_York',
      rules: [{ cron: '0 0 * * *' }, { cron: '59 23 * * *' }],
      except: [{ between: ['2026-12-24', '2026-12-26'] }],
    };
    expect(fires(spec, '2026-12-23T05:00:00Z', 3)).toEqual(
      utc('2026-12-24T04:59Z', '2026-12-27T05:00Z', '2026-12-28T04:59Z'),
    );
  });

  it('between two equal dates excludes that one whole day', () => {
    const spec = { rules: [{ cron: '0 */8 * * *' }], except: [{ between: ['2026-12-25', '2026-12-25'] }] };
    expect(fires(spec, '2026-12-24T12:00:00Z', 2)).toEqual(utc('2026-12-24T16:00Z', '2026-12-26T00:00Z'));
  });

  it('between dates over the 25-hour day of a fall-back (New York 2026-11-01)', () => {
    // Nov 1 00:00 EDT = 04:00Z to Nov 2 00:00 EST = 05:00Z: 25 hourly fires dropped.
    const spec = {
      timezone: 'America/New_York',
      rules: [{ every: 'PT1H', from: '2026-10-31T00:00:00Z' }],
      except: [{ between: ['2026-11-01', '2026-11-01'] }],
    };
    expect(fires(spec, '2026-11-01T02:30:00Z', 2)).toEqual(utc('2026-11-01T03:00Z', '2026-11-02T05:00Z'));
  });

  it('between dates on a day whose midnight is in a gap (Tehran 2021-03-22 starts at 01:00 +04:30)', () => {
    // Walls xx:30. 03-21 23:30 +03:30 = 20:00Z kept; 03-22 from 20:30Z dropped; 03-23 00:30 +04:30 = 03-22 20:00Z kept.
    const spec = {
      timezone: 'Asia/Tehran',
      rules: [{ cron: '30 * * * *' }],
      except: [{ between: ['2021-03-22', '2021-03-22'] }],
    };
    expect(fires(spec, '2021-03-21T19:59:00Z', 3)).toEqual(
      utc('2021-03-21T20:00Z', '2021-03-22T20:00Z', '2021-03-22T21:00Z'),
    );
  });

  it('between two date-times: [first, second), so an hourly rule keeps 08:00 and 12:00', () => {
    const spec = {
      rules: [{ cron: '0 * * * *' }],
      except: [{ between: ['2026-03-20T09:00:00Z', '2026-03-20T12:00:00Z'] }],
    };
    expect(fires(spec, '2026-03-20T07:30:00Z', 3)).toEqual(
      utc('2026-03-20T08:00Z', '2026-03-20T12:00Z', '2026-03-20T13:00Z'),
    );
  });

  it('between date-times without an offset are read in timezone', () => {
    // 09:00 and 12:00 EDT = 13:00Z and 16:00Z.
    const spec = {
      timezone: 'America/New_York',
      rules: [{ cron: '0 * * * *' }],
      except: [{ between: ['2026-03-20T09:00:00', '2026-03-20T12:00:00'] }],
    };
    expect(fires(spec, '2026-03-20T11:30:00Z', 3)).toEqual(
      utc('2026-03-20T12:00Z', '2026-03-20T16:00Z', '2026-03-20T17:00Z'),
    );
  });

  it('several exclusions: a fire matching any of them is dropped', () => {
    const spec = {
      rules: [{ cron: '0 9 * * *' }],
      except: [
        { cron: '* * * * SAT,SUN' },
        { between: ['2026-01-06', '2026-01-07'] },
        { crontab: { day_of_month: 9 } },
      ],
    };
    // Jan 2 Fri, [3 Sat, 4 Sun], 5 Mon, [6, 7], 8 Thu, [9], [10 Sat, 11 Sun], 12 Mon.
    expect(fires(spec, '2026-01-01T12:00:00Z', 4)).toEqual(
      utc('2026-01-02T09:00Z', '2026-01-05T09:00Z', '2026-01-08T09:00Z', '2026-01-12T09:00Z'),
    );
  });

  it('gives up with SCHEDULE_SEARCH_LIMIT past 100,000 consecutive excluded candidates', () => {
    const spec = { rules: [{ cron: '* * * * * *' }], except: [{ cron: '* * * * SAT,SUN' }] };
    // Friday 2026-01-02 23:59:59Z: the whole weekend, 172,800 seconds, is excluded.
    const s = compileSchedule(spec);
    let error: unknown;
    try {
      s.preview(ms('2026-01-02T23:59:59Z'), 1);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScheduleSearchLimitError);
    expect(error).toBeInstanceOf(SchedulerError);
    expect((error as ScheduleSearchLimitError).code).toBe('SCHEDULE_SEARCH_LIMIT');
    expect((error as Error).message).toBe(
      'no fire after 2026-01-02T23:59:59Z within 100000 candidates: every one was excluded',
    );
  });

  it('examines fewer candidates when each costs many evaluations, so one schedule cannot hold the event loop', () => {
    // 1,000 exclusions covering every minute: each candidate costs 1,001 evaluations, so the search
    // stops after 999 candidates (a budget of 1,000,000) instead of 100,000 (10^8 evaluations, ~10 s).
    const except = Array.from({ length: 1000 }, (_, i) => ({ cron: `${i % 60} * * * *` }));
    const s = compileSchedule({ rules: [{ cron: '* * * * *' }], except });
    expect(() => s.preview(ms('2026-01-02T00:00:00Z'), 1)).toThrow(
      'no fire after 2026-01-02T00:00:00Z within 999 candidates: every one was excluded',
    );
  });

  it('the same weekend as a between range is skipped in one step', () => {
    const spec = { rules: [{ cron: '* * * * * *' }], except: [{ between: ['2026-01-03', '2026-01-04'] }] };
    expect(fires(spec, '2026-01-02T23:59:59Z', 2)).toEqual(utc('2026-01-05T00:00:00Z', '2026-01-05T00:00:01Z'));
  });
});

describe('rule 8: start, end, limit', () => {
  const daily = { cron: '0 9 * * *' };

  it('start is inclusive', () => {
    expect(fires({ rules: [daily], start: '2026-01-02T09:00:00Z' }, '2026-01-01T00:00:00Z', 2)).toEqual(
      utc('2026-01-02T09:00Z', '2026-01-03T09:00Z'),
    );
  });

  it('end is exclusive, and nothing follows it', () => {
    const spec = { rules: [daily], start: '2026-01-02T00:00:00Z', end: '2026-01-04T09:00:00Z' };
    expect(fires(spec, '2026-01-01T00:00:00Z', 10)).toEqual(utc('2026-01-02T09:00Z', '2026-01-03T09:00Z'));
    expect(compileSchedule(spec).next(ms('2026-01-03T09:00:00Z'))).toBeNull();
  });

  it('start and end without an offset are read in timezone', () => {
    // 09:00 EST = 14:00Z; start Jan 2 09:00 EST = 14:00Z, end Jan 4 09:00 EST = 14:00Z.
    const spec = {
      timezone: 'America/New_York',
      rules: [daily],
      start: '2026-01-02T09:00:00',
      end: '2026-01-04T09:00:00',
    };
    expect(fires(spec, '2026-01-01T00:00:00Z', 10)).toEqual(utc('2026-01-02T14:00Z', '2026-01-03T14:00Z'));
  });

  it('start cuts an every series without moving it', () => {
    const spec = { rules: [{ every: 'PT5H', from: '2026-01-01T00:00:00Z' }], start: '2026-01-01T12:00:00Z' };
    expect(fires(spec, '2025-12-31T00:00:00Z', 2)).toEqual(utc('2026-01-01T15:00Z', '2026-01-01T20:00Z'));
  });

  it('limit counts from start (the example of the spec)', () => {
    const spec = { rules: [daily], start: '2026-01-01T00:00:00Z', limit: 3 };
    expect(fires(spec, '2025-12-01T00:00:00Z', 10)).toEqual(
      utc('2026-01-01T09:00Z', '2026-01-02T09:00Z', '2026-01-03T09:00Z'),
    );
    expect(fires(spec, '2026-01-02T00:00:00Z', 10)).toEqual(utc('2026-01-02T09:00Z', '2026-01-03T09:00Z'));
    expect(fires(spec, '2026-01-03T09:00:00Z', 10)).toEqual([]);
    const s = compileSchedule(spec);
    expect(s.maxFires).toBe(3);
    expect(s.next(ms('2026-01-03T09:00:00Z'))).toBeNull();
  });

  it('without start, limit counts from the earliest every anchor', () => {
    // Origin: the every anchor 01-10 09:00Z. Fires: 01-10 09:00, 01-10 12:00, 01-11 09:00.
    const spec = { rules: [{ cron: '0 12 * * *' }, { every: 'P1D', from: '2026-01-10T09:00:00Z' }], limit: 3 };
    expect(fires(spec, '2026-01-10T00:00:00Z', 10)).toEqual(
      utc('2026-01-10T09:00Z', '2026-01-10T12:00Z', '2026-01-11T09:00Z'),
    );
    expect(fires(spec, '2026-01-10T10:00:00Z', 10)).toEqual(utc('2026-01-10T12:00Z', '2026-01-11T09:00Z'));
    expect(fires(spec, '2026-01-11T09:00:00Z', 10)).toEqual([]);
  });

  it('without start or every, limit counts from the earliest at', () => {
    const spec = {
      rules: [{ cron: '0 0 * * *' }, { at: '2026-01-05T00:00:00Z' }, { at: '2026-01-07T06:00:00Z' }],
      limit: 2,
    };
    // Origin 01-05 00:00Z (the at and the cron coincide: one fire), then 01-06 00:00Z.
    expect(fires(spec, '2026-01-04T12:00:00Z', 10)).toEqual(utc('2026-01-05T00:00Z', '2026-01-06T00:00Z'));
    expect(fires(spec, '2026-01-05T12:00:00Z', 10)).toEqual(utc('2026-01-06T00:00Z'));
  });

  it('with only cron rules, limit counts from the creation time', () => {
    const now = ms('2026-01-01T12:00:00Z');
    const s = compileSchedule({ rules: [{ cron: '0 0 * * *' }], limit: 2 }, { now });
    expect(isos(s.preview(now, 10))).toEqual(utc('2026-01-02T00:00Z', '2026-01-03T00:00Z'));
    expect(isos(s.preview(ms('2026-01-02T00:00:00Z'), 10))).toEqual(utc('2026-01-03T00:00Z'));
  });

  it('an every without from anchors at creation, which is also where limit counts from', () => {
    const s = compileSchedule({ rules: [{ every: 'PT1H' }], limit: 2 }, { now: NOW });
    expect(isos(s.preview(NOW - HOUR, 10))).toEqual([new Date(NOW).toISOString(), new Date(NOW + HOUR).toISOString()]);
  });

  it('excluded fires do not count toward the limit', () => {
    const spec = {
      rules: [daily],
      start: '2026-01-01T00:00:00Z',
      limit: 3,
      except: [{ between: ['2026-01-02', '2026-01-02'] }],
    };
    expect(fires(spec, '2025-12-31T00:00:00Z', 10)).toEqual(
      utc('2026-01-01T09:00Z', '2026-01-03T09:00Z', '2026-01-04T09:00Z'),
    );
  });

  it('end and limit together: whichever comes first', () => {
    const spec = { rules: [daily], start: '2026-01-01T00:00:00Z', end: '2026-01-03T00:00:00Z', limit: 5 };
    expect(fires(spec, '2025-12-31T00:00:00Z', 10)).toEqual(utc('2026-01-01T09:00Z', '2026-01-02T09:00Z'));
  });

  it('nextInstant takes the count of past fires from the caller', () => {
    const s = compileSchedule({ rules: [daily], start: '2026-01-01T00:00:00Z', limit: 3 });
    const after = ms('2026-01-10T00:00:00Z');
    // Told only one fire happened so far, the schedule has fires left.
    expect(s.nextInstant(after, 1)).toBe(ms('2026-01-10T09:00:00Z'));
    expect(s.nextInstant(after, 3)).toBe(-1);
    // Without the count, it counts itself: 3 fires happened by Jan 10.
    expect(s.nextInstant(after)).toBe(-1);
  });

  it('maxFires is Infinity without a limit', () => {
    expect(compileSchedule({ rules: [daily] }).maxFires).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('rule 9: preview(from, n)', () => {
  const s = compileSchedule({ rules: [{ cron: '0 9 * * *' }] });

  it('returns the next n instants strictly after from', () => {
    expect(isos(s.preview(ms('2026-01-01T09:00:00Z'), 2))).toEqual(utc('2026-01-02T09:00Z', '2026-01-03T09:00Z'));
    expect(isos(s.preview(ms('2026-01-01T08:59:59.999Z'), 1))).toEqual(utc('2026-01-01T09:00Z'));
  });

  it('accepts a Date or ms', () => {
    expect(s.preview(new Date('2026-01-01T00:00:00Z'), 3)).toEqual(s.preview(ms('2026-01-01T00:00:00Z'), 3));
  });

  it('next(after) is the first instant of preview(after, 1)', () => {
    expect(s.next(new Date('2026-01-01T09:00:00Z'))).toEqual(new Date('2026-01-02T09:00:00Z'));
    expect(s.nextInstant(ms('2026-01-01T09:00:00Z'))).toBe(ms('2026-01-02T09:00:00Z'));
  });

  it('n = 0 gives nothing; fewer than n when the schedule runs out', () => {
    expect(s.preview(0, 0)).toEqual([]);
    const two = compileSchedule({ rules: [{ at: '2026-01-01T00:00:00Z' }, { at: '2026-01-02T00:00:00Z' }] });
    expect(isos(two.preview(0, 10))).toEqual(utc('2026-01-01T00:00Z', '2026-01-02T00:00Z'));
  });

  it(`n up to MAX_PREVIEW_COUNT (${MAX_PREVIEW_COUNT}) is allowed`, () => {
    expect(MAX_PREVIEW_COUNT).toBe(10_000);
    const all = s.preview(ms('2026-01-01T00:00:00Z'), MAX_PREVIEW_COUNT);
    expect(all).toHaveLength(10_000);
    // 9,999 days after 2026-01-01.
    expect(all[9_999]?.toISOString()).toBe(new Date(ms('2026-01-01T09:00:00Z') + 9_999 * 24 * HOUR).toISOString());
  });

  it.each([10_001, -1, 1.5, Number.NaN])('n = %s is an INVALID_ARGUMENT', (count) => {
    let error: unknown;
    try {
      s.preview(0, count);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).code).toBe('INVALID_ARGUMENT');
    expect((error as InvalidArgumentError).issues).toEqual([
      { path: 'count', message: `expected a whole number from 0 to 10000, got ${count}` },
    ]);
  });

  it('the message of a bad count', () => {
    expect(() => s.preview(0, 10_001)).toThrow(
      'invalid preview: count: expected a whole number from 0 to 10000, got 10001',
    );
  });
});

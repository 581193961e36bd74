import { describe, expect, it } from 'vitest';
import {
  compileSchedule,
  isSchedulerError,
  SchedulerError,
  ScheduleValidationError,
  type ValidationIssue,
} from '../../src/index.ts';

/** The issues `compileSchedule(input)` reports; fails the test if it compiles. */
function issuesOf(input: unknown): readonly ValidationIssue[] {
  try {
    compileSchedule(input, { now: 0 });
  } catch (error) {
    if (error instanceof ScheduleValidationError) return error.issues;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

const withRule = (rule: unknown) => ({ rules: [rule] });
const withExclusion = (exclusion: unknown) => ({ rules: [{ cron: '0 9 * * *' }], except: [exclusion] });
const NOT_A_DATE_TIME = 'is not an RFC 3339 date-time such as 2026-11-26T13:30:00Z or 2026-11-26T17:00:00';

describe('rule 10: the error', () => {
  it('is a ScheduleValidationError with code SCHEDULE_INVALID, issues and a joined message', () => {
    let error: unknown;
    try {
      compileSchedule({ rules: [{ cron: '0 9 * * *' }, { cron: '0 9 * * *' }, { cron: '61 9 * * *' }] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScheduleValidationError);
    expect(error).toBeInstanceOf(SchedulerError);
    expect(isSchedulerError(error)).toBe(true);
    const e = error as ScheduleValidationError;
    expect(e.code).toBe('SCHEDULE_INVALID');
    expect(e.name).toBe('ScheduleValidationError');
    expect(e.issues).toEqual([{ path: 'rules[2].cron', message: 'minute 61 out of 0-59' }]);
    expect(e.message).toBe('invalid schedule: rules[2].cron: minute 61 out of 0-59');
  });

  it('lists every problem, each with its own path', () => {
    const issues = issuesOf({
      timezone: 'Nowhere/Special',
      rules: [{ every: 'P1D' }, { cron: '0 25 * * *' }, { at: 'later' }],
      except: [{ crontab: { day_of_week: 'FUN' } }],
      start: 'x',
    });
    expect(issues.map((i) => i.path)).toEqual([
      'timezone',
      'rules[1].cron',
      'rules[2].at',
      'except[0].crontab.day_of_week',
      'start',
    ]);
  });
});

describe('rule 10: cron field errors, in cron and in crontab.<field>', () => {
  it.each([
    ['61 * * * *', 'minute 61 out of 0-59'],
    ['0 24 * * *', 'hour 24 out of 0-23'],
    ['0 0 0 * *', 'day-of-month 0 out of 1-31'],
    ['0 0 32 * *', 'day-of-month 32 out of 1-31'],
    ['0 0 * 13 *', 'month 13 out of 1-12'],
    ['0 0 * * 8', 'day-of-week 8 out of 0-7'],
    ['60 0 0 * * *', 'second 60 out of 0-59'],
    ['0 0 * FOO *', "month 'FOO' is not a number or a name"],
    ['0 0 * * FUN', "day-of-week 'FUN' is not a number or a name"],
    ['MON * * * *', "minute 'MON' is not a number"],
    ['5x * * * *', "minute '5x' is not a number"],
    ['10-5 * * * *', 'minute range 10-5 runs backwards'],
    ['*/0 * * * *', "minute step in '*/0' must be at least 1"],
    ['0 9 L * *', "day-of-month 'L' is not a number"],
    ['0 9 ? * MON', "day-of-month '?' is not a value, range, list or step"],
    ['0 9 * * MON#2', "day-of-week 'MON#2' is not a value, range, list or step"],
    ['0 9 * *', 'expected 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), got 4'],
    ['0 0 9 * * * *', 'expected 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), got 7'],
  ])('cron %j: %s', (expression, message) => {
    expect(issuesOf(withRule({ cron: expression }))).toEqual([{ path: 'rules[0].cron', message }]);
  });

  it.each([
    [{ minute: 61 }, 'minute', 'minute 61 out of 0-59'],
    [{ minute: 0, hour: 25 }, 'hour', 'hour 25 out of 0-23'],
    [{ day_of_month: '0' }, 'day_of_month', 'day-of-month 0 out of 1-31'],
    [{ month_of_year: 'FOO' }, 'month_of_year', "month 'FOO' is not a number or a name"],
    [{ day_of_week: '8' }, 'day_of_week', 'day-of-week 8 out of 0-7'],
    [{ hour: '5-2' }, 'hour', 'hour range 5-2 runs backwards'],
  ])('crontab %j: crontab.%s', (crontab, field, message) => {
    expect(issuesOf(withRule({ crontab }))).toEqual([{ path: `rules[0].crontab.${field}`, message }]);
  });

  it('a crontab value holding two fields is rejected, not shifted into a 6-field cron', () => {
    // Joined with spaces, { minute: '0', hour: '9 1' } would read as the 6-field "0 9 1 * * *".
    expect(issuesOf(withRule({ crontab: { minute: '0', hour: '9 1' } }))).toEqual([
      { path: 'rules[0].crontab.hour', message: "hour '9 1' is not a value, range, list or step" },
    ]);
    expect(issuesOf(withRule({ crontab: { minute: '*/5 * * * *' } }))).toEqual([
      { path: 'rules[0].crontab.minute', message: "minute '*/5 * * * *' is not a value, range, list or step" },
    ]);
  });

  it('cron field errors in exclusions', () => {
    expect(issuesOf(withExclusion({ cron: '0 0 * * 8' }))).toEqual([
      { path: 'except[0].cron', message: 'day-of-week 8 out of 0-7' },
    ]);
    expect(issuesOf(withExclusion({ crontab: { hour: 24 } }))).toEqual([
      { path: 'except[0].crontab.hour', message: 'hour 24 out of 0-23' },
    ]);
  });

  it('a crontab field of the wrong type or empty is a shape error at its path', () => {
    expect(issuesOf(withRule({ crontab: { minute: -1 } })).map((i) => i.path)).toEqual(['rules[0].crontab.minute']);
    expect(issuesOf(withRule({ crontab: { hour: 1.5 } })).map((i) => i.path)).toEqual(['rules[0].crontab.hour']);
    expect(issuesOf(withRule({ crontab: { hour: '' } })).map((i) => i.path)).toEqual(['rules[0].crontab.hour']);
    expect(issuesOf(withRule({ crontab: { hour: true } })).map((i) => i.path)).toEqual(['rules[0].crontab.hour']);
  });
});

describe('rule 10: rules that can never fire are errors; rare rules are fine', () => {
  it.each([['0 0 30 2 *'], ['0 0 31 2 *'], ['0 0 31 4,6,9,11 *'], ['0 0 30-31 FEB *']])(
    '%s can never fire',
    (expression) => {
      expect(issuesOf(withRule({ cron: expression }))).toEqual([
        { path: 'rules[0].cron', message: 'can never fire: no allowed month has an allowed day' },
      ]);
    },
  );

  it('a crontab that can never fire is reported at crontab', () => {
    expect(issuesOf(withRule({ crontab: { day_of_month: 30, month_of_year: 2 } }))).toEqual([
      { path: 'rules[0].crontab', message: 'can never fire: no allowed month has an allowed day' },
    ]);
  });

  it.each([['0 0 29 2 *'], ['0 0 31 * *'], ['0 0 30 2 MON'], ['59 59 23 31 12 *']])('%s compiles', (expression) => {
    expect(() => compileSchedule(withRule({ cron: expression }))).not.toThrow();
  });

  it('an at in the past, or an end already passed, compiles', () => {
    expect(() => compileSchedule(withRule({ at: '2000-01-01T00:00:00Z' }))).not.toThrow();
    expect(() => compileSchedule({ rules: [{ cron: '0 9 * * *' }], end: '2000-01-01T00:00:00Z' })).not.toThrow();
  });
});

describe('rule 10: zone, duration and date-time errors', () => {
  it('an unknown zone', () => {
    expect(issuesOf({ timezone: 'Mars/Olympus_Mons', rules: [{ cron: '0 9 * * *' }] })).toEqual([
      {
        path: 'timezone',
        message: "unknown time zone 'Mars/Olympus_Mons' (expected an IANA name such as Europe/London)",
      },
    ]);
    expect(issuesOf({ timezone: 'Europe/London ', rules: [{ cron: '0 9 * * *' }] }).map((i) => i.path)).toEqual([
      'timezone',
    ]);
    // Intl takes a fixed offset as a zone; a schedule names a zone (whose offset can change).
    expect(issuesOf({ timezone: '+03:30', rules: [{ cron: '0 9 * * *' }] })).toEqual([
      { path: 'timezone', message: "unknown time zone '+03:30' (expected an IANA name such as Europe/London)" },
    ]);
  });

  it.each([
    ['PT0S', "'PT0S' is shorter than the minimum of 1 second"],
    ['P0D', "'P0D' is shorter than the minimum of 1 second"],
    ['P0Y0M0W0DT0H0M0S', "'P0Y0M0W0DT0H0M0S' is shorter than the minimum of 1 second"],
  ])('a non-positive duration %s', (every, message) => {
    expect(issuesOf(withRule({ every }))).toEqual([{ path: 'rules[0].every', message }]);
  });

  it.each([['PT0.5S'], ['-P1D'], ['P1.5D'], ['10 days'], ['P'], ['PT'], ['P1H'], ['PT1D'], ['p1d'], ['P1DT'], ['']])(
    'not a duration: %j',
    (every) => {
      expect(issuesOf(withRule({ every }))).toEqual([
        {
          path: 'rules[0].every',
          message: `'${every}' is not an ISO 8601 duration such as P10DT3H (whole numbers of Y, M, W, D, then T and H, M, S)`,
        },
      ]);
    },
  );

  it('a duration too large to count', () => {
    expect(issuesOf(withRule({ every: 'PT99999999999999999S' }))).toEqual([
      { path: 'rules[0].every', message: "seconds in 'PT99999999999999999S' is too large" },
    ]);
  });

  it.each([
    ['tomorrow at nine', `'tomorrow at nine' ${NOT_A_DATE_TIME}`],
    ['2026-02-03', `'2026-02-03' ${NOT_A_DATE_TIME}`],
    ['2026-2-3T09:00:00Z', `'2026-2-3T09:00:00Z' ${NOT_A_DATE_TIME}`],
    ['2026-02-30T09:00:00Z', "day 30 out of 1-28 for 2026-02 in '2026-02-30T09:00:00Z'"],
    ['2100-02-29T09:00:00Z', "day 29 out of 1-28 for 2100-02 in '2100-02-29T09:00:00Z'"],
    ['2026-13-01T09:00:00Z', "month 13 out of 1-12 in '2026-13-01T09:00:00Z'"],
    ['2026-02-03T24:00:00Z', "time out of range in '2026-02-03T24:00:00Z'"],
    ['2026-02-03T10:00:00+25:00', "offset out of range in '2026-02-03T10:00:00+25:00'"],
    ['1969-12-31T00:00:00Z', "'1969-12-31T00:00:00Z' is outside 1970-01-01 to 9999-12-31"],
  ])('a bad date-time in at: %j', (at, message) => {
    expect(issuesOf(withRule({ at }))).toEqual([{ path: 'rules[0].at', message }]);
  });

  it('2028-02-29 is a valid date-time (leap year)', () => {
    expect(() => compileSchedule(withRule({ at: '2028-02-29T09:00:00Z' }))).not.toThrow();
  });

  it('bad date-times in every.from, start and end', () => {
    expect(issuesOf(withRule({ every: 'P1D', from: 'yesterday' }))).toEqual([
      { path: 'rules[0].from', message: `'yesterday' ${NOT_A_DATE_TIME}` },
    ]);
    expect(issuesOf({ rules: [{ cron: '0 9 * * *' }], start: 'soon', end: '2026-02-30T00:00:00' })).toEqual([
      { path: 'start', message: `'soon' ${NOT_A_DATE_TIME}` },
      { path: 'end', message: "day 30 out of 1-28 for 2026-02 in '2026-02-30T00:00:00'" },
    ]);
  });

  it('end <= start', () => {
    const later = { rules: [{ cron: '0 9 * * *' }], start: '2026-01-02T00:00:00Z', end: '2026-01-01T00:00:00Z' };
    expect(issuesOf(later)).toEqual([{ path: 'end', message: 'must be after start' }]);
    const equal = { rules: [{ cron: '0 9 * * *' }], start: '2026-01-02T00:00:00Z', end: '2026-01-02T00:00:00Z' };
    expect(issuesOf(equal)).toEqual([{ path: 'end', message: 'must be after start' }]);
    // Equal as instants though written differently: 03:30 +03:30 = 00:00Z.
    const same = { rules: [{ cron: '0 9 * * *' }], start: '2026-01-02T03:30:00+03:30', end: '2026-01-02T00:00:00Z' };
    expect(issuesOf(same)).toEqual([{ path: 'end', message: 'must be after start' }]);
  });
});

describe('rule 10: between errors', () => {
  it('one date and one date-time', () => {
    expect(issuesOf(withExclusion({ between: ['2026-01-01', '2026-01-02T00:00:00Z'] }))).toEqual([
      { path: 'except[0].between', message: 'expected two dates or two date-times, not one of each' },
    ]);
  });

  it('dates out of order', () => {
    expect(issuesOf(withExclusion({ between: ['2026-12-24', '2026-12-20'] }))).toEqual([
      { path: 'except[0].between', message: 'the second date is before the first' },
    ]);
  });

  it('date-times out of order or equal', () => {
    const message = 'the second date-time must be after the first';
    expect(issuesOf(withExclusion({ between: ['2026-01-05T00:00:00Z', '2026-01-05T00:00:00Z'] }))).toEqual([
      { path: 'except[0].between', message },
    ]);
    expect(issuesOf(withExclusion({ between: ['2026-01-05T01:00:00Z', '2026-01-05T00:00:00Z'] }))).toEqual([
      { path: 'except[0].between', message },
    ]);
  });

  it('a bad date or date-time inside between is reported at its index', () => {
    expect(issuesOf(withExclusion({ between: ['2026-13-05', '2026-12-31'] }))).toEqual([
      { path: 'except[0].between[0]', message: "month 13 out of 1-12 in '2026-13-05'" },
    ]);
    expect(issuesOf(withExclusion({ between: ['2026-01-05T00:00:00Z', '2026-01-05T25:00:00Z'] }))).toEqual([
      { path: 'except[0].between[1]', message: "time out of range in '2026-01-05T25:00:00Z'" },
    ]);
  });

  it('between needs exactly two values', () => {
    expect(issuesOf(withExclusion({ between: ['2026-01-05'] })).map((i) => i.path)).toEqual(['except[0].between']);
    expect(issuesOf(withExclusion({ between: ['2026-01-05', '2026-01-06', '2026-01-07'] })).map((i) => i.path)).toEqual(
      ['except[0].between'],
    );
  });
});

describe('rule 10: shape errors', () => {
  it('empty rules', () => {
    expect(issuesOf({ rules: [] })).toEqual([
      { path: 'rules', message: 'Too small: expected array to have >=1 items' },
    ]);
  });

  it('rules missing or not a list', () => {
    expect(issuesOf({ timezone: 'UTC' }).map((i) => i.path)).toEqual(['rules']);
    expect(issuesOf({ rules: '0 9 * * *' }).map((i) => i.path)).toEqual(['rules']);
  });

  it('an unknown key on the schedule object', () => {
    expect(issuesOf({ rules: [{ cron: '0 9 * * *' }], colour: 'red' })).toEqual([
      { path: 'colour', message: 'unknown field' },
    ]);
  });

  it('an unknown key on a rule', () => {
    expect(issuesOf(withRule({ cron: '0 9 * * *', when: 'always' }))).toEqual([
      { path: 'rules[0].when', message: 'unknown field' },
    ]);
  });

  it('a rule with two kinds', () => {
    expect(issuesOf(withRule({ cron: '0 9 * * *', every: 'P1D' }))).toEqual([
      { path: 'rules[0]', message: 'has cron and every: exactly one of cron, crontab, every, at is allowed' },
    ]);
    expect(issuesOf(withRule({ every: 'P1D', at: '2026-01-01T00:00:00Z' }))).toEqual([
      { path: 'rules[0]', message: 'has every and at: exactly one of cron, crontab, every, at is allowed' },
    ]);
  });

  it('a rule of no kind', () => {
    expect(issuesOf(withRule({ foo: 1 }))).toEqual([
      { path: 'rules[0]', message: 'expected an object with one of: cron, crontab, every, at' },
    ]);
    expect(issuesOf(withRule('0 9 * * *'))).toEqual([
      { path: 'rules[0]', message: 'expected an object with one of: cron, crontab, every, at' },
    ]);
  });

  it('from belongs to every only', () => {
    expect(issuesOf(withRule({ cron: '0 9 * * *', from: '2026-01-01T00:00:00Z' }))).toEqual([
      { path: 'rules[0].from', message: 'unknown field' },
    ]);
  });

  it('an exclusion of a kind rules have but exclusions do not', () => {
    expect(issuesOf(withExclusion({ every: 'P1D' }))).toEqual([
      { path: 'except[0]', message: 'expected an object with one of: cron, crontab, between' },
    ]);
  });

  it('an unknown crontab key', () => {
    expect(issuesOf(withRule({ crontab: { minute: 0, hours: 9 } }))).toEqual([
      { path: 'rules[0].crontab.hours', message: 'unknown field' },
    ]);
  });

  it('limit must be a whole number from 1', () => {
    expect(issuesOf({ rules: [{ cron: '0 9 * * *' }], limit: 0 })).toEqual([
      { path: 'limit', message: 'Too small: expected number to be >=1' },
    ]);
    expect(issuesOf({ rules: [{ cron: '0 9 * * *' }], limit: 1.5 }).map((i) => i.path)).toEqual(['limit']);
  });

  it('a nested path names the index of the rule at fault', () => {
    const issues = issuesOf({ rules: [{ cron: '0 9 * * *' }, { at: '2026-01-01T00:00:00Z' }, { every: 5 }] });
    expect(issues.map((i) => i.path)).toEqual(['rules[2].every']);
  });
});

describe('rule 10: the crontab input forms', () => {
  it('an empty list of crontabs', () => {
    expect(issuesOf([])).toEqual([{ path: '', message: 'a list of crontabs must not be empty' }]);
  });

  it('an unknown key in a bare crontab or in a list', () => {
    expect(issuesOf({ minute: 1, hours: 2 })).toEqual([{ path: 'hours', message: 'unknown field' }]);
    expect(issuesOf([{ minute: 1 }, { minutes: 1 }])).toEqual([{ path: '[1].minutes', message: 'unknown field' }]);
  });

  it('a bad field in a bare crontab or in a list names that field', () => {
    // The crontab forms are read as { rules: [{ crontab }] }; the path ends at the field at fault.
    const bare = issuesOf({ minute: 0, hour: 99 });
    expect(bare).toHaveLength(1);
    expect(bare[0]?.path).toMatch(/(^|\.)hour$/);
    expect(bare[0]?.message).toBe('hour 99 out of 0-23');
    const listed = issuesOf([{ minute: 0 }, { minute: 61 }]);
    expect(listed).toHaveLength(1);
    expect(listed[0]?.path).toMatch(/\[1\](\.crontab)?\.minute$/);
    expect(listed[0]?.message).toBe('minute 61 out of 0-59');
  });

  it('neither an object nor a list', () => {
    const message = 'expected a schedule object, a crontab object or a list of crontabs';
    expect(issuesOf(null)).toEqual([{ path: '', message }]);
    expect(issuesOf('0 9 * * *')).toEqual([{ path: '', message }]);
    expect(issuesOf(42)).toEqual([{ path: '', message }]);
  });
});

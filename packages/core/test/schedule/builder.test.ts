import { describe, expect, it } from 'vitest';
import {
  at,
  between,
  compileSchedule,
  cron,
  crontab,
  daily,
  every,
  InvalidArgumentError,
  monthly,
  type ScheduleBuilder,
  ScheduleValidationError,
  union,
  type Weekday,
  weekly,
} from '../../src/index.ts';
import { NOW } from './harness.ts';
import { isos, ms, utc } from './helpers.ts';

const FROM = ms('2026-01-01T00:00:00Z');

/** The builder and its JSON must compile to the same fires; returns them for a hand-worked check. */
function sameFires(builder: ScheduleBuilder, json: unknown, from = FROM, count = 12): string[] {
  expect(JSON.parse(JSON.stringify(builder))).toEqual(json);
  const viaBuilder = isos(builder.compile({ now: NOW }).preview(from, count));
  const viaJson = isos(compileSchedule(json, { now: NOW }).preview(from, count));
  expect(viaBuilder).toEqual(viaJson);
  return viaBuilder;
}

describe('builder: rule constructors return wire-form objects', () => {
  it('cron and crontab', () => {
    expect(cron('0 9 * * *')).toEqual({ cron: '0 9 * * *' });
    expect(crontab({ minute: 0, hour: 17, day_of_week: 'THU' })).toEqual({
      crontab: { minute: 0, hour: 17, day_of_week: 'THU' },
    });
  });

  it('every: an ISO string or an object of units; a Date from becomes RFC 3339 UTC', () => {
    expect(every('P10DT3H')).toEqual({ every: 'P10DT3H' });
    expect(every({ days: 10, hours: 3 })).toEqual({ every: 'P10DT3H' });
    expect(every({ years: 1, months: 2, weeks: 3, days: 4, hours: 5, minutes: 6, seconds: 7 })).toEqual({
      every: 'P1Y2M3W4DT5H6M7S',
    });
    expect(every({ minutes: 90 })).toEqual({ every: 'PT90M' });
    expect(every({ months: 1 }, { from: '2026-01-31T09:00:00' })).toEqual({
      every: 'P1M',
      from: '2026-01-31T09:00:00',
    });
    expect(every('PT1H', { from: new Date('2026-01-01T00:00:00Z') })).toEqual({
      every: 'PT1H',
      from: '2026-01-01T00:00:00.000Z',
    });
  });

  it('at: a Date or a string', () => {
    expect(at('2026-11-26T17:00:00')).toEqual({ at: '2026-11-26T17:00:00' });
    expect(at(new Date('2026-11-26T13:30:00Z'))).toEqual({ at: '2026-11-26T13:30:00.000Z' });
  });

  it('daily, weekly, monthly: 5-field crons, 6 fields when the second is not zero', () => {
    expect(daily('09:30')).toEqual({ cron: '30 9 * * *' });
    expect(daily('9:05:07')).toEqual({ cron: '7 5 9 * * *' });
    expect(weekly('THU', '17:00')).toEqual({ cron: '0 17 * * THU' });
    expect(weekly(['MON', 'FRI'], '08:15')).toEqual({ cron: '15 8 * * MON,FRI' });
    expect(weekly('sat' as Weekday, '04:00')).toEqual({ cron: '0 4 * * SAT' });
    expect(monthly(3, '15:00')).toEqual({ cron: '0 15 3 * *' });
    expect(monthly([1, 15], '00:00:30')).toEqual({ cron: '30 0 0 1,15 * *' });
  });

  it('between: dates or date-times; Dates become RFC 3339 UTC', () => {
    expect(between('2026-12-24', '2026-12-26')).toEqual({ between: ['2026-12-24', '2026-12-26'] });
    expect(between(new Date('2026-03-20T09:00:00Z'), '2026-03-20T12:00:00Z')).toEqual({
      between: ['2026-03-20T09:00:00.000Z', '2026-03-20T12:00:00Z'],
    });
  });

  it.each(['24:00', '9', '09:60', '09:00:60', 'noon', '', '09:00 '])(
    'a bad time of day %j is INVALID_ARGUMENT',
    (time) => {
      expect(() => daily(time)).toThrow(InvalidArgumentError);
      expect(() => weekly('MON', time)).toThrow(InvalidArgumentError);
      expect(() => monthly(1, time)).toThrow(InvalidArgumentError);
      try {
        daily(time);
      } catch (e) {
        expect((e as InvalidArgumentError).code).toBe('INVALID_ARGUMENT');
        expect((e as InvalidArgumentError).issues[0]?.path).toBe('time');
      }
    },
  );

  it('a bad weekday is INVALID_ARGUMENT', () => {
    expect(() => weekly('THUR' as Weekday, '17:00')).toThrow(
      "invalid weekday: days: expected one of SUN, MON, TUE, WED, THU, FRI, SAT, got 'THUR'",
    );
  });

  it('a bad monthly day is left to compile, which names the field', () => {
    expect(() => union(monthly(32, '09:00')).compile()).toThrow(ScheduleValidationError);
    expect(() => union(monthly(32, '09:00')).compile()).toThrow('rules[0].cron: day-of-month 32 out of 1-31');
  });
});

describe('builder: the ScheduleBuilder is immutable and maps onto the wire form', () => {
  it('each method returns a new builder and leaves the old one alone', () => {
    const base = union(daily('09:00'));
    const zoned = base.in('Asia/Tehran');
    const more = zoned.or(weekly('SAT', '04:00'));
    expect(base.spec).toEqual({ rules: [{ cron: '0 9 * * *' }] });
    expect(zoned.spec).toEqual({ rules: [{ cron: '0 9 * * *' }], timezone: 'Asia/Tehran' });
    expect(more.spec.rules).toEqual([{ cron: '0 9 * * *' }, { cron: '0 4 * * SAT' }]);
    expect(zoned.spec.rules).toHaveLength(1);
  });

  it('every method, in one chain', () => {
    const builder = union(daily('09:00'))
      .in('America/New_York')
      .or(at('2026-01-01T12:00:00Z'))
      .except(between('2026-12-24', '2026-12-26'))
      .except(cron('* * * * SUN'))
      .startingAt('2026-01-01T00:00:00')
      .endingBefore(new Date('2027-01-01T00:00:00Z'))
      .limit(100);
    expect(builder.toJSON()).toEqual({
      rules: [{ cron: '0 9 * * *' }, { at: '2026-01-01T12:00:00Z' }],
      timezone: 'America/New_York',
      except: [{ between: ['2026-12-24', '2026-12-26'] }, { cron: '* * * * SUN' }],
      start: '2026-01-01T00:00:00',
      end: '2027-01-01T00:00:00.000Z',
      limit: 100,
    });
  });

  it('compile validates like compileSchedule', () => {
    expect(() => union(cron('61 * * * *')).compile()).toThrow('invalid schedule: rules[0].cron: minute 61 out of 0-59');
    expect(() => union(daily('09:00')).in('Nowhere').compile()).toThrow(ScheduleValidationError);
  });
});

describe('builder face = JSON face (same fires)', () => {
  it('union of cron and crontab', () => {
    const fires = sameFires(union(cron('0 9 * * MON'), crontab({ minute: 30, hour: 12, day_of_month: 1 })), {
      rules: [{ cron: '0 9 * * MON' }, { crontab: { minute: 30, hour: 12, day_of_month: 1 } }],
    });
    // 2026-01-01 12:30 (the 1st), Mondays Jan 5, 12, 19, 26, Feb 1 12:30, Feb 2 …
    expect(fires.slice(0, 7)).toEqual(
      utc(
        '2026-01-01T12:30Z',
        '2026-01-05T09:00Z',
        '2026-01-12T09:00Z',
        '2026-01-19T09:00Z',
        '2026-01-26T09:00Z',
        '2026-02-01T12:30Z',
        '2026-02-02T09:00Z',
      ),
    );
  });

  it('daily in a zone', () => {
    const fires = sameFires(union(daily('09:00')).in('Asia/Tehran'), {
      rules: [{ cron: '0 9 * * *' }],
      timezone: 'Asia/Tehran',
    });
    expect(fires.slice(0, 2)).toEqual(utc('2026-01-01T05:30Z', '2026-01-02T05:30Z'));
  });

  it('weekly with several days, and seconds', () => {
    const fires = sameFires(union(weekly(['TUE', 'SUN'], '06:00:15')), { rules: [{ cron: '15 0 6 * * TUE,SUN' }] });
    expect(fires.slice(0, 3)).toEqual(utc('2026-01-04T06:00:15Z', '2026-01-06T06:00:15Z', '2026-01-11T06:00:15Z'));
  });

  it('monthly on the 31st skips short months', () => {
    const fires = sameFires(union(monthly(31, '23:00')), { rules: [{ cron: '0 23 31 * *' }] });
    expect(fires.slice(0, 3)).toEqual(utc('2026-01-31T23:00Z', '2026-03-31T23:00Z', '2026-05-31T23:00Z'));
  });

  it('every with an object duration across New York DST', () => {
    const fires = sameFires(
      union(every({ days: 1 }, { from: '2026-03-06T09:00:00' })).in('America/New_York'),
      { rules: [{ every: 'P1D', from: '2026-03-06T09:00:00' }], timezone: 'America/New_York' },
      ms('2026-03-06T00:00:00Z'),
      4,
    );
    expect(fires).toEqual(utc('2026-03-06T14:00Z', '2026-03-07T14:00Z', '2026-03-08T13:00Z', '2026-03-09T13:00Z'));
  });

  it('every without from anchors at compile time (now)', () => {
    const builder = union(every({ hours: 8 }));
    expect(isos(builder.compile({ now: NOW }).preview(NOW - 1, 2))).toEqual(
      utc('2026-01-01T00:00Z', '2026-01-01T08:00Z'),
    );
  });

  it('at, with a Date', () => {
    const fires = sameFires(union(at(new Date('2026-05-05T05:05:05Z')), at('2026-05-05T05:05:05')), {
      rules: [{ at: '2026-05-05T05:05:05.000Z' }, { at: '2026-05-05T05:05:05' }],
    });
    expect(fires).toEqual(utc('2026-05-05T05:05:05Z'));
  });

  it('except with between and cron, start, end, limit', () => {
    const fires = sameFires(
      union(daily('09:00'))
        .except(between('2026-01-03', '2026-01-04'), cron('* * 5 * *'))
        .startingAt('2026-01-02T00:00:00Z')
        .endingBefore('2026-02-01T00:00:00Z')
        .limit(4),
      {
        rules: [{ cron: '0 9 * * *' }],
        except: [{ between: ['2026-01-03', '2026-01-04'] }, { cron: '* * 5 * *' }],
        start: '2026-01-02T00:00:00Z',
        end: '2026-02-01T00:00:00Z',
        limit: 4,
      },
    );
    // Jan 2, [3, 4 between], [5 cron], 6, 7, 8, then the limit.
    expect(fires).toEqual(utc('2026-01-02T09:00Z', '2026-01-06T09:00Z', '2026-01-07T09:00Z', '2026-01-08T09:00Z'));
  });

  it('between date-times from Dates', () => {
    const fires = sameFires(
      union(cron('0 * * * *')).except(between(new Date('2026-01-01T02:00:00Z'), new Date('2026-01-01T04:00:00Z'))),
      {
        rules: [{ cron: '0 * * * *' }],
        except: [{ between: ['2026-01-01T02:00:00.000Z', '2026-01-01T04:00:00.000Z'] }],
      },
    );
    expect(fires.slice(0, 3)).toEqual(utc('2026-01-01T01:00Z', '2026-01-01T04:00Z', '2026-01-01T05:00Z'));
  });

  it('a compiled schedule is accepted as input and returned as is', () => {
    const compiled = union(daily('09:00')).compile();
    expect(compileSchedule(compiled)).toBe(compiled);
  });
});

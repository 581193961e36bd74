import { describe, expect, it } from 'vitest';
import { compileSchedule } from '../../src/index.ts';
import { fires } from './harness.ts';
import { everyFire, HOUR, ms, readDateTime, readDuration, utc } from './helpers.ts';

const every = (timezone: string, duration: string, from?: string) => ({
  timezone,
  rules: [from === undefined ? { every: duration } : { every: duration, from }],
});

describe('rule 4: every, elapsed-time durations', () => {
  it('PT1H fires at the anchor and every hour after it', () => {
    expect(fires(every('UTC', 'PT1H', '2026-01-01T00:00:00Z'), '2025-12-31T00:00:00Z', 3)).toEqual(
      utc('2026-01-01T00:00Z', '2026-01-01T01:00Z', '2026-01-01T02:00Z'),
    );
  });

  it('PT90S: seconds and minutes add up as elapsed time', () => {
    expect(fires(every('UTC', 'PT90S', '2026-01-01T00:00:00Z'), '2025-12-31T00:00:00Z', 3)).toEqual(
      utc('2026-01-01T00:00:00Z', '2026-01-01T00:01:30Z', '2026-01-01T00:03:00Z'),
    );
  });

  it('PT1S, the shortest duration allowed', () => {
    expect(fires(every('UTC', 'PT1S', '2026-01-01T00:00:00Z'), '2026-01-01T00:00:00Z', 2)).toEqual(
      utc('2026-01-01T00:00:01Z', '2026-01-01T00:00:02Z'),
    );
  });

  it('the anchor is fire 0; preview from the anchor itself starts at fire 1', () => {
    expect(fires(every('UTC', 'PT6H', '2026-01-01T03:00:00Z'), '2026-01-01T03:00:00Z', 2)).toEqual(
      utc('2026-01-01T09:00Z', '2026-01-01T15:00Z'),
    );
  });

  it('from with an offset is that instant; from without one is read in timezone', () => {
    // 09:00 +03:30 = 05:30Z either way.
    expect(fires(every('UTC', 'PT12H', '2026-01-01T09:00:00+03:30'), '2025-12-31T00:00:00Z', 2)).toEqual(
      utc('2026-01-01T05:30Z', '2026-01-01T17:30Z'),
    );
    expect(fires(every('Asia/Tehran', 'PT12H', '2026-01-01T09:00:00'), '2025-12-31T00:00:00Z', 2)).toEqual(
      utc('2026-01-01T05:30Z', '2026-01-01T17:30Z'),
    );
  });

  it('from defaults to the creation time (CompileOptions.now), recorded in the spec', () => {
    const now = ms('2026-02-03T04:05:06Z');
    const s = compileSchedule({ rules: [{ every: 'PT1H' }] }, { now });
    expect(s.spec.rules).toEqual([{ every: 'PT1H', from: '2026-02-03T04:05:06Z' }]);
    expect(s.preview(now - 1, 2).map((d) => d.toISOString())).toEqual(
      utc('2026-02-03T04:05:06Z', '2026-02-03T05:05:06Z'),
    );
  });

  it('a compiled spec recompiles to the same fires (the creation time is kept)', () => {
    const s = compileSchedule(
      { timezone: 'America/New_York', rules: [{ every: 'P1D' }] },
      { now: ms('2026-03-06T14:00:00Z') },
    );
    const again = compileSchedule(JSON.parse(JSON.stringify(s)), { now: ms('2030-01-01T00:00:00Z') });
    expect(again.preview(0, 5)).toEqual(s.preview(0, 5));
  });
});

describe('rule 4: every, date parts on the wall clock', () => {
  it('P1M from January 31 clamps to month ends and stays anchored (New York, 09:00 local)', () => {
    // 09:00 EST = 14:00Z (Jan, Feb); 09:00 EDT = 13:00Z (from Mar 8). Mar 31, not Mar 28.
    expect(fires(every('America/New_York', 'P1M', '2026-01-31T09:00:00'), '2026-01-01T00:00:00Z', 6)).toEqual(
      utc(
        '2026-01-31T14:00Z',
        '2026-02-28T14:00Z',
        '2026-03-31T13:00Z',
        '2026-04-30T13:00Z',
        '2026-05-31T13:00Z',
        '2026-06-30T13:00Z',
      ),
    );
  });

  it('P1M computed from the anchor even when asked mid-series', () => {
    // Fire 2 is Mar 31 (anchor + 2 months), not Feb 28 + 1 month = Mar 28.
    expect(fires(every('UTC', 'P1M', '2026-01-31T00:00:00Z'), '2026-03-01T00:00:00Z', 2)).toEqual(
      utc('2026-03-31T00:00Z', '2026-04-30T00:00Z'),
    );
  });

  it('P1M from January 31 of a leap year gives February 29', () => {
    expect(fires(every('UTC', 'P1M', '2028-01-31T00:00:00Z'), '2028-01-31T00:00:00Z', 2)).toEqual(
      utc('2028-02-29T00:00Z', '2028-03-31T00:00Z'),
    );
  });

  it('P1Y from February 29: Feb 28 in common years, Feb 29 again four years later', () => {
    expect(fires(every('UTC', 'P1Y', '2024-02-29T12:00:00Z'), '2024-02-29T12:00:00Z', 4)).toEqual(
      utc('2025-02-28T12:00Z', '2026-02-28T12:00Z', '2027-02-28T12:00Z', '2028-02-29T12:00Z'),
    );
  });

  it('P1Y from 2096-02-29: 2100 is not a leap year, 2104 is', () => {
    expect(fires(every('UTC', 'P1Y', '2096-02-29T00:00:00Z'), '2099-03-01T00:00:00Z', 5)).toEqual(
      utc('2100-02-28T00:00Z', '2101-02-28T00:00Z', '2102-02-28T00:00Z', '2103-02-28T00:00Z', '2104-02-29T00:00Z'),
    );
  });

  it('P1M1D adds the months first, clamps, then the days (k × each, from the anchor)', () => {
    // k=1: Jan 30 + 1M = Feb 30 → Feb 28, + 1D = Mar 1. k=2: Mar 30 + 2D = Apr 1. k=3: Apr 30 + 3D = May 3.
    expect(fires(every('UTC', 'P1M1D', '2026-01-30T00:00:00Z'), '2026-01-30T00:00:00Z', 3)).toEqual(
      utc('2026-03-01T00:00Z', '2026-04-01T00:00Z', '2026-05-03T00:00Z'),
    );
  });

  it('P2W is fourteen days', () => {
    const expected = utc('2026-01-15T08:00Z', '2026-01-29T08:00Z', '2026-02-12T08:00Z');
    expect(fires(every('UTC', 'P2W', '2026-01-01T08:00:00Z'), '2026-01-01T08:00:00Z', 3)).toEqual(expected);
    expect(fires(every('UTC', 'P14D', '2026-01-01T08:00:00Z'), '2026-01-01T08:00:00Z', 3)).toEqual(expected);
  });
});

describe('rule 4: every across DST (P1D keeps the wall time, PT24H keeps elapsed time)', () => {
  it('New York spring: P1D stays at 09:00 local, PT24H drifts to 10:00', () => {
    // 09:00 EST = 14:00Z on 03-06 and 03-07; 09:00 EDT = 13:00Z from 03-08.
    expect(fires(every('America/New_York', 'P1D', '2026-03-06T09:00:00'), '2026-03-06T00:00:00Z', 4)).toEqual(
      utc('2026-03-06T14:00Z', '2026-03-07T14:00Z', '2026-03-08T13:00Z', '2026-03-09T13:00Z'),
    );
    expect(fires(every('America/New_York', 'PT24H', '2026-03-06T09:00:00'), '2026-03-06T00:00:00Z', 4)).toEqual(
      utc('2026-03-06T14:00Z', '2026-03-07T14:00Z', '2026-03-08T14:00Z', '2026-03-09T14:00Z'),
    );
  });

  it('New York fall: P1D stays at 09:00 local, PT24H drifts to 08:00', () => {
    // 09:00 EDT = 13:00Z on 10-31; 09:00 EST = 14:00Z from 11-01.
    expect(fires(every('America/New_York', 'P1D', '2026-10-31T09:00:00'), '2026-10-31T00:00:00Z', 3)).toEqual(
      utc('2026-10-31T13:00Z', '2026-11-01T14:00Z', '2026-11-02T14:00Z'),
    );
    expect(fires(every('America/New_York', 'PT24H', '2026-10-31T09:00:00'), '2026-10-31T00:00:00Z', 3)).toEqual(
      utc('2026-10-31T13:00Z', '2026-11-01T13:00Z', '2026-11-02T13:00Z'),
    );
  });

  it('P1D anchored at 02:30: the day of the gap fires at 03:30 EDT (rule 3)', () => {
    // 03-07 02:30 EST = 07:30Z; 03-08 02:30 (gap, -05:00) = 07:30Z; 03-09 02:30 EDT = 06:30Z.
    expect(fires(every('America/New_York', 'P1D', '2026-03-07T02:30:00'), '2026-03-07T00:00:00Z', 3)).toEqual(
      utc('2026-03-07T07:30Z', '2026-03-08T07:30Z', '2026-03-09T06:30Z'),
    );
  });

  it('P1D anchored at 01:30: the day of the overlap fires at the first 01:30 only', () => {
    // 10-31 01:30 EDT = 05:30Z; 11-01 01:30 EDT = 05:30Z; 11-02 01:30 EST = 06:30Z.
    expect(fires(every('America/New_York', 'P1D', '2026-10-31T01:30:00'), '2026-10-31T00:00:00Z', 3)).toEqual(
      utc('2026-10-31T05:30Z', '2026-11-01T05:30Z', '2026-11-02T06:30Z'),
    );
  });

  it('a mixed P1DT1H: the date part on the wall clock, resolved, then k elapsed hours', () => {
    // k=0: 03-07 02:30 EST = 07:30Z. k=1: 03-08 02:30 (gap) = 07:30Z, + 1h = 08:30Z.
    // k=2: 03-09 02:30 EDT = 06:30Z, + 2h = 08:30Z.
    expect(fires(every('America/New_York', 'P1DT1H', '2026-03-07T02:30:00'), '2026-03-07T00:00:00Z', 3)).toEqual(
      utc('2026-03-07T07:30Z', '2026-03-08T08:30Z', '2026-03-09T08:30Z'),
    );
  });

  it('Europe/London spring 2026-03-29: P1D at 01:30 reads the gap with GMT', () => {
    // 03-28 01:30 GMT = 01:30Z; 03-29 01:30 (gap, +00:00) = 01:30Z; 03-30 01:30 BST = 00:30Z.
    expect(fires(every('Europe/London', 'P1D', '2026-03-28T01:30:00'), '2026-03-28T00:00:00Z', 3)).toEqual(
      utc('2026-03-28T01:30Z', '2026-03-29T01:30Z', '2026-03-30T00:30Z'),
    );
    expect(fires(every('Europe/London', 'PT24H', '2026-03-28T01:30:00'), '2026-03-28T00:00:00Z', 3)).toEqual(
      utc('2026-03-28T01:30Z', '2026-03-29T01:30Z', '2026-03-30T01:30Z'),
    );
  });

  it('Europe/London fall 2026-10-25: P1D at 12:00 keeps noon', () => {
    // 10-24 12:00 BST = 11:00Z; 10-25 12:00 GMT = 12:00Z.
    expect(fires(every('Europe/London', 'P1D', '2026-10-24T12:00:00'), '2026-10-24T00:00:00Z', 2)).toEqual(
      utc('2026-10-24T11:00Z', '2026-10-25T12:00Z'),
    );
  });

  it('Lord Howe DST start (02:00→02:30): P1D at 02:15 is read with +10:30 on the day of the gap', () => {
    // 10-03 02:15 +10:30 = 10-02 15:45Z; 10-04 02:15 (gap) = 10-03 15:45Z; 10-05 02:15 +11:00 = 10-04 15:15Z.
    expect(fires(every('Australia/Lord_Howe', 'P1D', '2026-10-03T02:15:00'), '2026-10-01T00:00:00Z', 3)).toEqual(
      utc('2026-10-02T15:45Z', '2026-10-03T15:45Z', '2026-10-04T15:15Z'),
    );
    expect(fires(every('Australia/Lord_Howe', 'PT24H', '2026-10-03T02:15:00'), '2026-10-01T00:00:00Z', 3)).toEqual(
      utc('2026-10-02T15:45Z', '2026-10-03T15:45Z', '2026-10-04T15:45Z'),
    );
  });

  it('Lord Howe DST end (02:00→01:30): P1D keeps noon, PT24H moves it half an hour', () => {
    // 04-04 12:00 +11:00 = 01:00Z; 04-05 12:00 +10:30 = 01:30Z. PT24H: 04-05 01:00Z = 11:30 local.
    expect(fires(every('Australia/Lord_Howe', 'P1D', '2026-04-04T12:00:00'), '2026-04-01T00:00:00Z', 2)).toEqual(
      utc('2026-04-04T01:00Z', '2026-04-05T01:30Z'),
    );
    expect(fires(every('Australia/Lord_Howe', 'PT24H', '2026-04-04T12:00:00'), '2026-04-01T00:00:00Z', 2)).toEqual(
      utc('2026-04-04T01:00Z', '2026-04-05T01:00Z'),
    );
  });

  it('Tehran 2021: P1W at 00:30 lands in the gap of 2021-03-22', () => {
    // 03-15 00:30 +03:30 = 03-14 21:00Z; 03-22 00:30 (gap, +03:30) = 03-21 21:00Z; 03-29 00:30 +04:30 = 03-28 20:00Z.
    expect(fires(every('Asia/Tehran', 'P1W', '2021-03-15T00:30:00'), '2021-03-01T00:00:00Z', 3)).toEqual(
      utc('2021-03-14T21:00Z', '2021-03-21T21:00Z', '2021-03-28T20:00Z'),
    );
  });
});

describe('rule 4: long series match the formula fire k = from ⊕ k × duration (Intl oracle)', () => {
  const cases: [string, string, string][] = [
    ['America/New_York', 'P10DT3H', '2026-01-01T09:00:00'],
    ['America/New_York', 'P1M', '2026-01-31T02:30:00'],
    ['Europe/London', 'P1DT12H', '2026-03-01T01:30:00'],
    ['Australia/Lord_Howe', 'P1M', '2026-01-31T02:15:00'],
    ['Australia/Lord_Howe', 'P3DT1H30M', '2026-03-20T01:45:00'],
    ['Asia/Tehran', 'P1W', '2020-12-29T00:30:00'],
    ['Asia/Tehran', 'P1Y', '2020-02-29T23:30:00'],
    ['UTC', 'P1MT1S', '2026-01-31T23:59:59Z'],
  ];

  it.each(cases)('%s %s from %s', (zone, duration, from) => {
    const anchor = readDateTime(zone, from);
    const steps = readDuration(duration);
    const expected = Array.from({ length: 80 }, (_, k) => new Date(everyFire(zone, anchor, steps, k)).toISOString());
    expect(fires(every(zone, duration, from), anchor - 1, 80)).toEqual(expected);
    // Asked far into the series, the engine lands on the same fires (no drift, no skipped k).
    expect(fires(every(zone, duration, from), everyFire(zone, anchor, steps, 60) - 1, 3)).toEqual(
      expected.slice(60, 63),
    );
  });

  it('fire 100,000 of PT1H is exactly 100,000 hours after the anchor', () => {
    const anchor = ms('2026-01-01T00:30:00Z');
    expect(fires(every('America/New_York', 'PT1H', '2026-01-01T00:30:00Z'), anchor + 99_999.5 * HOUR, 1)).toEqual([
      new Date(anchor + 100_000 * HOUR).toISOString(),
    ]);
  });
});

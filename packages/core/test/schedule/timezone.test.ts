import { describe, expect, it } from 'vitest';
import { compileSchedule } from '../../src/index.ts';
import { fires } from './harness.ts';
import { HOUR, MINUTE, ms, offsetOf, resolveWall, utc } from './helpers.ts';

const inZone = (timezone: string, ...rules: object[]) => ({ timezone, rules });
const cron = (expression: string) => ({ cron: expression });

/**
 * The transitions the DST tests rely on, checked against Intl first: if Node's tzdata ever
 * disagrees, this fails with a clear message instead of the DST tests failing mysteriously.
 * Each row: zone, last instant before the change (offset before), the change (offset after).
 */
const TRANSITIONS: readonly [string, string, string, string][] = [
  // 2026-03-08 02:00 EST (-05:00) = 07:00Z: clocks jump to 03:00 EDT.
  ['America/New_York', '2026-03-08T07:00:00Z', '-05:00', '-04:00'],
  // 2026-11-01 02:00 EDT (-04:00) = 06:00Z: clocks fall back to 01:00 EST.
  ['America/New_York', '2026-11-01T06:00:00Z', '-04:00', '-05:00'],
  // 2026-03-29 01:00 GMT = 01:00Z: clocks jump to 02:00 BST.
  ['Europe/London', '2026-03-29T01:00:00Z', '+00:00', '+01:00'],
  // 2026-10-25 02:00 BST = 01:00Z: clocks fall back to 01:00 GMT.
  ['Europe/London', '2026-10-25T01:00:00Z', '+01:00', '+00:00'],
  // First Sunday of April, 2026-04-05 02:00 (+11:00) = 04-04 15:00Z: clocks fall back to 01:30 (+10:30).
  ['Australia/Lord_Howe', '2026-04-04T15:00:00Z', '+11:00', '+10:30'],
  // First Sunday of October, 2026-10-04 02:00 (+10:30) = 10-03 15:30Z: clocks jump to 02:30 (+11:00).
  ['Australia/Lord_Howe', '2026-10-03T15:30:00Z', '+10:30', '+11:00'],
  // 2021-03-22 00:00 (+03:30) = 03-21 20:30Z: clocks jump to 01:00 (+04:30).
  ['Asia/Tehran', '2021-03-21T20:30:00Z', '+03:30', '+04:30'],
  // 2021-09-22 00:00 (+04:30) = 09-21 19:30Z: clocks fall back to 2021-09-21 23:00 (+03:30).
  ['Asia/Tehran', '2021-09-21T19:30:00Z', '+04:30', '+03:30'],
];

function offsetText(offset: number): string {
  const sign = offset < 0 ? '-' : '+';
  const minutes = Math.abs(offset) / MINUTE;
  return `${sign}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

describe('the zone data the DST tests assume (Intl)', () => {
  it.each(TRANSITIONS)('%s changes offset at %s from %s to %s', (zone, at, before, after) => {
    expect(offsetText(offsetOf(zone, ms(at) - 1000))).toBe(before);
    expect(offsetText(offsetOf(zone, ms(at)))).toBe(after);
  });

  it('Tehran has had no DST since 2023 (+03:30 all year)', () => {
    for (const month of [1, 4, 7, 10]) expect(offsetOf('Asia/Tehran', Date.UTC(2026, month - 1, 15))).toBe(3.5 * HOUR);
  });

  it('the test oracle resolves gaps and overlaps per rule 3', () => {
    // The two examples of the spec, worked by hand: 02:30 -05:00 = 07:30Z; 01:30 -04:00 = 05:30Z.
    expect(resolveWall('America/New_York', 2026, 3, 8, 2, 30)).toBe(ms('2026-03-08T07:30:00Z'));
    expect(resolveWall('America/New_York', 2026, 11, 1, 1, 30)).toBe(ms('2026-11-01T05:30:00Z'));
    expect(resolveWall('America/New_York', 2026, 7, 1, 12, 0)).toBe(ms('2026-07-01T16:00:00Z'));
  });
});

describe('rule 1: timezone', () => {
  it('defaults to UTC', () => {
    const s = compileSchedule({ rules: [cron('0 9 * * *')] });
    expect(s.timezone).toBe('UTC');
    expect(s.spec.timezone).toBe('UTC');
    expect(fires({ rules: [cron('0 9 * * *')] }, '2026-01-01T00:00:00Z', 1)).toEqual(utc('2026-01-01T09:00Z'));
  });

  it('evaluates cron rules on the wall clock of the zone', () => {
    // 09:00 in Tehran (+03:30) = 05:30Z; in New York in January (-05:00) = 14:00Z; in July (-04:00) = 13:00Z.
    expect(fires(inZone('Asia/Tehran', cron('0 9 * * *')), '2026-01-01T00:00:00Z', 1)).toEqual(
      utc('2026-01-01T05:30Z'),
    );
    expect(fires(inZone('America/New_York', cron('0 9 * * *')), '2026-01-01T00:00:00Z', 1)).toEqual(
      utc('2026-01-01T14:00Z'),
    );
    expect(fires(inZone('America/New_York', cron('0 9 * * *')), '2026-07-01T00:00:00Z', 1)).toEqual(
      utc('2026-07-01T13:00Z'),
    );
  });

  it('the day of week and day of month are those of the zone, not of UTC', () => {
    // Friday 2026-01-02 00:30 in Lord Howe (+11:00) is Thursday 2026-01-01 13:30Z.
    expect(fires(inZone('Australia/Lord_Howe', cron('30 0 * * FRI')), '2026-01-01T00:00:00Z', 1)).toEqual(
      utc('2026-01-01T13:30Z'),
    );
    // The 1st at 23:00 in New York (-05:00) is the 2nd at 04:00Z.
    expect(fires(inZone('America/New_York', cron('0 23 1 * *')), '2026-01-01T00:00:00Z', 1)).toEqual(
      utc('2026-01-02T04:00Z'),
    );
  });

  it('zone names are matched as Intl matches them and stored canonically; Etc/UTC is UTC', () => {
    expect(compileSchedule(inZone('asia/tehran', cron('0 9 * * *'))).timezone).toBe('Asia/Tehran');
    expect(compileSchedule(inZone('asia/tehran', cron('0 9 * * *'))).spec.timezone).toBe('Asia/Tehran');
    expect(fires(inZone('asia/tehran', cron('0 9 * * *')), '2026-01-01T00:00:00Z', 1)).toEqual(
      utc('2026-01-01T05:30Z'),
    );
    expect(compileSchedule(inZone('Etc/UTC', cron('0 9 * * *'))).timezone).toBe('UTC');
    // A link: Asia/Calcutta is Asia/Kolkata, +05:30 (09:00 = 03:30Z).
    expect(fires(inZone('Asia/Calcutta', cron('0 9 * * *')), '2026-01-01T00:00:00Z', 1)).toEqual(
      utc('2026-01-01T03:30Z'),
    );
  });

  it('applies to crontab rules too', () => {
    const spec = inZone('Asia/Tehran', { crontab: { minute: 0, hour: 17, day_of_week: 'THU' } });
    // Thursday 2026-01-01 17:00 +03:30 = 13:30Z.
    expect(fires(spec, '2026-01-01T00:00:00Z', 1)).toEqual(utc('2026-01-01T13:30Z'));
  });
});

describe('rule 3: wall-clock resolution, America/New_York', () => {
  const ny = (expression: string) => inZone('America/New_York', cron(expression));

  it('spring gap: 02:30 on 2026-03-08 fires at 03:30 EDT = 07:30Z (read with -05:00)', () => {
    // 03-07 02:30 EST = 07:30Z; 03-08 02:30 read as EST = 07:30Z; 03-09 02:30 EDT = 06:30Z.
    expect(fires(ny('30 2 * * *'), '2026-03-07T00:00:00Z', 3)).toEqual(
      utc('2026-03-07T07:30Z', '2026-03-08T07:30Z', '2026-03-09T06:30Z'),
    );
  });

  it('spring gap: walls in the gap coincide with the walls an hour later and fire once', () => {
    // 01:00/01:30 EST = 06:00/06:30Z; 02:00/02:30 (gap, -05:00) = 07:00/07:30Z = 03:00/03:30 EDT.
    expect(fires(ny('*/30 1-3 * * *'), '2026-03-08T00:00:00Z', 4)).toEqual(
      utc('2026-03-08T06:00Z', '2026-03-08T06:30Z', '2026-03-08T07:00Z', '2026-03-08T07:30Z'),
    );
  });

  it('spring gap: an hourly rule fires on 23 instants that day', () => {
    // 03-08 00:00 EST = 05:00Z to 03-09 00:00 EDT = 04:00Z: 23 hours; 02:00 and 03:00 are one instant.
    const day = fires(ny('0 * * * *'), '2026-03-08T04:59:59Z', 30).filter((t) => t < '2026-03-09T04:00');
    expect(day).toHaveLength(23);
    expect(day.slice(0, 4)).toEqual(
      utc('2026-03-08T05:00Z', '2026-03-08T06:00Z', '2026-03-08T07:00Z', '2026-03-08T08:00Z'),
    );
  });

  it('fall overlap: 01:30 on 2026-11-01 fires once, at 01:30 EDT = 05:30Z', () => {
    // 10-31 01:30 EDT = 05:30Z; 11-01 first 01:30 (EDT) = 05:30Z, not 06:30Z; 11-02 01:30 EST = 06:30Z.
    expect(fires(ny('30 1 * * *'), '2026-10-31T00:00:00Z', 3)).toEqual(
      utc('2026-10-31T05:30Z', '2026-11-01T05:30Z', '2026-11-02T06:30Z'),
    );
  });

  it('fall overlap: the repeated hour does not fire again', () => {
    // 01:00/01:30 EDT = 05:00/05:30Z; 01:00/01:30 EST (06:00/06:30Z) skipped; 02:00.. EST = 07:00Z..
    expect(fires(ny('*/30 1-3 * * *'), '2026-11-01T00:00:00Z', 6)).toEqual(
      utc(
        '2026-11-01T05:00Z',
        '2026-11-01T05:30Z',
        '2026-11-01T07:00Z',
        '2026-11-01T07:30Z',
        '2026-11-01T08:00Z',
        '2026-11-01T08:30Z',
      ),
    );
  });

  it('fall overlap: asked from inside the second 01:xx hour, the next fire is 02:00 EST', () => {
    expect(fires(ny('*/30 1-3 * * *'), '2026-11-01T05:45:00Z', 2)).toEqual(
      utc('2026-11-01T07:00Z', '2026-11-01T07:30Z'),
    );
    expect(fires(ny('*/30 1-3 * * *'), '2026-11-01T06:10:00Z', 1)).toEqual(utc('2026-11-01T07:00Z'));
  });

  it('6-field rule in the gap: 02:00:30 and 03:00:30 are one instant, 07:00:30Z', () => {
    // 2026: 02:00:30 (gap, -05:00) = 03:00:30 EDT = 07:00:30Z. 2027-03-08 is before that year's
    // change (03-14), so 02:00:30 and 03:00:30 EST are 07:00:30Z and 08:00:30Z.
    expect(fires(ny('30 0 2,3 8 3 *'), '2026-03-08T00:00:00Z', 3)).toEqual(
      utc('2026-03-08T07:00:30Z', '2027-03-08T07:00:30Z', '2027-03-08T08:00:30Z'),
    );
  });
});

describe('rule 3: wall-clock resolution, Europe/London', () => {
  const london = (expression: string) => inZone('Europe/London', cron(expression));

  it('spring gap 2026-03-29 01:00→02:00: 01:30 is read as GMT, firing at 01:30Z = 02:30 BST', () => {
    // 03-28 01:30 GMT = 01:30Z; 03-29 01:30 (gap, +00:00) = 01:30Z; 03-30 01:30 BST = 00:30Z.
    expect(fires(london('30 1 * * *'), '2026-03-28T00:00:00Z', 3)).toEqual(
      utc('2026-03-28T01:30Z', '2026-03-29T01:30Z', '2026-03-30T00:30Z'),
    );
  });

  it('fall overlap 2026-10-25: 01:30 fires at its BST occurrence (00:30Z) only', () => {
    // 10-24 01:30 BST = 00:30Z; 10-25 first 01:30 (BST) = 00:30Z; 10-26 01:30 GMT = 01:30Z.
    expect(fires(london('30 1 * * *'), '2026-10-24T00:00:00Z', 3)).toEqual(
      utc('2026-10-24T00:30Z', '2026-10-25T00:30Z', '2026-10-26T01:30Z'),
    );
  });

  it('fall overlap: an hourly rule fires 24 times on the 25-hour day', () => {
    // 10-25 00:00 BST = 10-24 23:00Z to 10-26 00:00 GMT = 10-26 00:00Z is 25 hours; 01:00 GMT (01:00Z) is skipped.
    const day = fires(london('0 * * * *'), '2026-10-24T22:59:59Z', 30).filter((t) => t < '2026-10-26T00:00');
    expect(day).toHaveLength(24);
    expect(day.slice(0, 4)).toEqual(
      utc('2026-10-24T23:00Z', '2026-10-25T00:00Z', '2026-10-25T02:00Z', '2026-10-25T03:00Z'),
    );
  });
});

describe('rule 3: wall-clock resolution, Australia/Lord_Howe (30-minute shift)', () => {
  const lordHowe = (expression: string) => inZone('Australia/Lord_Howe', cron(expression));

  it('DST start 2026-10-04 02:00→02:30: 02:15 is read with +10:30, firing at 02:45 (+11:00)', () => {
    // 10-03 02:15 +10:30 = 10-02 15:45Z; 10-04 02:15 (gap, +10:30) = 10-03 15:45Z; 10-05 02:15 +11:00 = 10-04 15:15Z.
    expect(fires(lordHowe('15 2 * * *'), '2026-10-02T00:00:00Z', 3)).toEqual(
      utc('2026-10-02T15:45Z', '2026-10-03T15:45Z', '2026-10-04T15:15Z'),
    );
  });

  it('DST start: quarter hours from 01:00 to 03:45 on 2026-10-04', () => {
    // 01:00..01:45 +10:30 = 14:30..15:15Z; 02:00/02:15 (gap, +10:30) = 15:30/15:45Z, the same instants
    // as 02:30/02:45 +11:00; 03:00..03:45 +11:00 = 16:00..16:45Z. Ten instants in all.
    expect(fires(lordHowe('*/15 1-3 4 10 *'), '2026-10-03T00:00:00Z', 11)).toEqual(
      utc(
        '2026-10-03T14:30Z',
        '2026-10-03T14:45Z',
        '2026-10-03T15:00Z',
        '2026-10-03T15:15Z',
        '2026-10-03T15:30Z',
        '2026-10-03T15:45Z',
        '2026-10-03T16:00Z',
        '2026-10-03T16:15Z',
        '2026-10-03T16:30Z',
        '2026-10-03T16:45Z',
        '2027-10-03T14:00Z', // 2027-10-04 01:00, already +11:00 (DST started 2027-10-03)
      ),
    );
  });

  it('DST end 2026-04-05 02:00→01:30: 01:45 fires at its +11:00 occurrence only', () => {
    // 04-04 01:45 +11:00 = 04-03 14:45Z; 04-05 first 01:45 (+11:00) = 04-04 14:45Z, not 15:15Z;
    // 04-06 01:45 +10:30 = 04-05 15:15Z.
    expect(fires(lordHowe('45 1 * * *'), '2026-04-03T00:00:00Z', 3)).toEqual(
      utc('2026-04-03T14:45Z', '2026-04-04T14:45Z', '2026-04-05T15:15Z'),
    );
  });

  it('DST end: quarter hours from 01:00 to 03:45 on 2026-04-05', () => {
    // 01:00..01:45 +11:00 = 14:00..14:45Z; the repeated 01:30/01:45 (+10:30, 15:00/15:15Z) are skipped;
    // 02:00..03:45 +10:30 = 15:30..17:15Z.
    expect(fires(lordHowe('*/15 1-3 5 4 *'), '2026-04-04T00:00:00Z', 12)).toEqual(
      utc(
        '2026-04-04T14:00Z',
        '2026-04-04T14:15Z',
        '2026-04-04T14:30Z',
        '2026-04-04T14:45Z',
        '2026-04-04T15:30Z',
        '2026-04-04T15:45Z',
        '2026-04-04T16:00Z',
        '2026-04-04T16:15Z',
        '2026-04-04T16:30Z',
        '2026-04-04T16:45Z',
        '2026-04-04T17:00Z',
        '2026-04-04T17:15Z',
      ),
    );
  });
});

describe('rule 3: wall-clock resolution, Asia/Tehran in 2021', () => {
  const tehran = (expression: string) => inZone('Asia/Tehran', cron(expression));

  it('DST start 2021-03-22 00:00→01:00: 00:30 is read with +03:30, firing at 01:30 (+04:30)', () => {
    // 03-21 00:30 +03:30 = 03-20 21:00Z; 03-22 00:30 (gap, +03:30) = 03-21 21:00Z; 03-23 00:30 +04:30 = 03-22 20:00Z.
    expect(fires(tehran('30 0 * * *'), '2021-03-20T00:00:00Z', 3)).toEqual(
      utc('2021-03-20T21:00Z', '2021-03-21T21:00Z', '2021-03-22T20:00Z'),
    );
  });

  it('DST start: a midnight rule on the day that has no midnight fires at 01:00 (+04:30)', () => {
    // 03-22 00:00 (gap, +03:30) = 03-21 20:30Z; 03-23 00:00 +04:30 = 03-22 19:30Z.
    expect(fires(tehran('0 0 * * *'), '2021-03-21T00:00:00Z', 2)).toEqual(
      utc('2021-03-21T20:30Z', '2021-03-22T19:30Z'),
    );
  });

  it('DST end 2021-09-22 00:00→2021-09-21 23:00: 23:30 on the 21st fires once, at +04:30', () => {
    // 09-20 23:30 +04:30 = 19:00Z; 09-21 first 23:30 (+04:30) = 19:00Z, not 20:00Z; 09-22 23:30 +03:30 = 20:00Z.
    expect(fires(tehran('30 23 * * *'), '2021-09-20T00:00:00Z', 3)).toEqual(
      utc('2021-09-20T19:00Z', '2021-09-21T19:00Z', '2021-09-22T20:00Z'),
    );
  });

  it('DST end: the day of week of the repeated hour is still Tuesday 2021-09-21', () => {
    // 2021-09-21 is a Tuesday: 23:00 +04:30 = 18:30Z; the repeated 23:00 (+03:30, 19:30Z) is skipped.
    expect(fires(tehran('0 23 * * TUE'), '2021-09-21T00:00:00Z', 2)).toEqual(
      utc('2021-09-21T18:30Z', '2021-09-28T19:30Z'),
    );
  });
});

import { describe, expect, it } from 'vitest';
import { compileSchedule, every, monthly, union, weekly } from '../../src/index.ts';
import { NOW } from './harness.ts';
import { civilDays, everyFire, isos, readDateTime, readDuration, resolveWall, sortedIsos, utc } from './helpers.ts';

/**
 * The four calendars users asked for, alone and united, through both faces (builder and JSON):
 *   A. every 10 days and 3 hours   B. Thursdays 17:00   C. Saturdays 04:00   D. the 3rd of each month 15:00
 * Expected fires come from the Intl oracle over windows that cross DST changes.
 */

interface Case {
  readonly zone: string;
  readonly from: string;
  readonly first: readonly [number, number, number];
  readonly last: readonly [number, number, number];
}

const CASES: readonly Case[] = [
  // Tehran in 2021, when it still had DST (+04:30 from 03-22 to 09-22).
  { zone: 'Asia/Tehran', from: '2021-03-01T09:00:00', first: [2021, 3, 1], last: [2021, 10, 15] },
  // New York across both changes of 2026 (03-08 and 11-01).
  { zone: 'America/New_York', from: '2026-02-20T09:00:00', first: [2026, 2, 20], last: [2026, 11, 20] },
];

/** The oracle: each calendar's fires in the window [first 00:00, day after last 00:00) on the zone's wall clock. */
function expectedFires({ zone, from, first, last }: Case, windowEnd: number) {
  const thursdays: number[] = [];
  const saturdays: number[] = [];
  const thirds: number[] = [];
  for (const [year, month, day, weekday] of civilDays(first, last)) {
    if (weekday === 4) thursdays.push(resolveWall(zone, year, month, day, 17));
    if (weekday === 6) saturdays.push(resolveWall(zone, year, month, day, 4));
    if (day === 3) thirds.push(resolveWall(zone, year, month, day, 15));
  }
  const anchor = readDateTime(zone, from);
  const steps = readDuration('P10DT3H');
  const tenDays: number[] = [];
  for (let k = 0; everyFire(zone, anchor, steps, k) < windowEnd; k++) tenDays.push(everyFire(zone, anchor, steps, k));
  return {
    every: sortedIsos(tenDays),
    thursdays: sortedIsos(thursdays),
    saturdays: sortedIsos(saturdays),
    thirds: sortedIsos(thirds),
    union: sortedIsos([...tenDays, ...thursdays, ...saturdays, ...thirds]),
  };
}

describe('the four calendars, in Asia/Tehran and America/New_York, through both faces', () => {
  it.each(CASES)('$zone from $from', (c) => {
    const windowStart = resolveWall(c.zone, ...c.first);
    const windowEnd = resolveWall(c.zone, c.last[0], c.last[1], c.last[2] + 1);
    const expected = expectedFires(c, windowEnd);

    const rules = {
      every: [every({ days: 10, hours: 3 }, { from: c.from }), { every: 'P10DT3H', from: c.from }],
      thursdays: [weekly('THU', '17:00'), { cron: '0 17 * * THU' }],
      saturdays: [weekly('SAT', '04:00'), { cron: '0 4 * * SAT' }],
      thirds: [monthly(3, '15:00'), { cron: '0 15 3 * *' }],
    } as const;
    const faces = {
      every: [union(rules.every[0]).in(c.zone), { timezone: c.zone, rules: [rules.every[1]] }],
      thursdays: [union(rules.thursdays[0]).in(c.zone), { timezone: c.zone, rules: [rules.thursdays[1]] }],
      saturdays: [union(rules.saturdays[0]).in(c.zone), { timezone: c.zone, rules: [rules.saturdays[1]] }],
      thirds: [union(rules.thirds[0]).in(c.zone), { timezone: c.zone, rules: [rules.thirds[1]] }],
      union: [
        union(rules.every[0], rules.thursdays[0], rules.saturdays[0], rules.thirds[0]).in(c.zone),
        {
          timezone: c.zone,
          rules: [
            { every: 'P10DT3H', from: c.from },
            { cron: '0 17 * * THU' },
            { cron: '0 4 * * SAT' },
            { cron: '0 15 3 * *' },
          ],
        },
      ],
    } as const;

    for (const [name, [builder, json]] of Object.entries(faces)) {
      const want = expected[name as keyof typeof expected];
      expect(want.length, name).toBeGreaterThan(name === 'thirds' ? 6 : 20);
      for (const schedule of [builder.compile({ now: NOW }), compileSchedule(json, { now: NOW })]) {
        const got = isos(schedule.preview(windowStart - 1, want.length + 1));
        expect(got.slice(0, want.length), `${c.zone} ${name}`).toEqual(want);
        // Nothing else inside the window: the next fire is at or after its end.
        expect(Date.parse(got[want.length] ?? '9999-12-31T23:59:59Z')).toBeGreaterThanOrEqual(windowEnd);
      }
    }
  });

  it('the preview printed in docs/schedules.md (Tehran, June 2026, +03:30 all year)', () => {
    const schedule = union(
      every({ days: 10, hours: 3 }, { from: '2026-06-01T09:00:00' }),
      weekly('THU', '17:00'),
      weekly('SAT', '04:00'),
      monthly(3, '15:00'),
    )
      .in('Asia/Tehran')
      .compile();
    expect(JSON.parse(JSON.stringify(schedule))).toEqual({
      timezone: 'Asia/Tehran',
      rules: [
        { every: 'P10DT3H', from: '2026-06-01T09:00:00' },
        { cron: '0 17 * * THU' },
        { cron: '0 4 * * SAT' },
        { cron: '0 15 3 * *' },
      ],
    });
    // Local minus 03:30. The every fires: 06-01 09:00 (k=0); 06-11 09:00 + 3h = 12:00 (k=1);
    // 06-21 09:00 + 6h = 15:00 (k=2).
    expect(isos(schedule.preview(new Date('2026-06-01T00:00:00+03:30'), 12))).toEqual(
      utc(
        '2026-06-01T05:30Z', // Mon 09:00, every k=0
        '2026-06-03T11:30Z', // Wed 15:00, the 3rd
        '2026-06-04T13:30Z', // Thu 17:00
        '2026-06-06T00:30Z', // Sat 04:00
        '2026-06-11T08:30Z', // Thu 12:00, every k=1
        '2026-06-11T13:30Z', // Thu 17:00
        '2026-06-13T00:30Z', // Sat 04:00
        '2026-06-18T13:30Z', // Thu 17:00
        '2026-06-20T00:30Z', // Sat 04:00
        '2026-06-21T11:30Z', // Sun 15:00, every k=2
        '2026-06-25T13:30Z', // Thu 17:00
        '2026-06-27T00:30Z', // Sat 04:00
      ),
    );
  });

  it('the three cron calendars as the crontab message form (UTC)', () => {
    const tabs = [
      { minute: 0, hour: 17, day_of_week: 'THU' },
      { minute: 0, hour: 4, day_of_week: 'SAT' },
      { minute: 0, hour: 15, day_of_month: 3 },
    ];
    const expected: number[] = [];
    for (const [year, month, day, weekday] of civilDays([2026, 1, 1], [2026, 12, 31])) {
      if (weekday === 4) expected.push(Date.UTC(year, month - 1, day, 17));
      if (weekday === 6) expected.push(Date.UTC(year, month - 1, day, 4));
      if (day === 3) expected.push(Date.UTC(year, month - 1, day, 15));
    }
    const want = sortedIsos(expected);
    const got = isos(compileSchedule(tabs).preview(Date.UTC(2026, 0, 1) - 1, want.length));
    expect(got).toEqual(want);
  });
});

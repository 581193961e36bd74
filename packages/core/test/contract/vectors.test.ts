import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { replySchema, resultMessageSchema } from '../../src/contract/index.ts';
import {
  at,
  between,
  compileSchedule,
  crontab,
  every,
  formatInstant,
  monthly,
  type ScheduleBuilder,
  union,
  weekly,
} from '../../src/index.ts';

/**
 * The cross-language vectors in spec/vectors that concern core: the schedules every language's DSL
 * must build (and the fires they give), the result and error messages every client must parse.
 * Python and C++ load the same files.
 */
const load = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`../../../../spec/vectors/${name}`, import.meta.url), 'utf8')) as T;

interface ScheduleVector {
  readonly name: string;
  readonly schedule: unknown;
  readonly fires: string[];
}
const schedules = load<{ from: string; cases: ScheduleVector[] }>('schedules.json');

const four = [
  every('P10DT3H', { from: '2026-11-01T00:00:00' }),
  weekly('THU', '17:00'),
  weekly('SAT', '04:00'),
  monthly(3, '15:00'),
] as const;

/** How TypeScript builds each vector's schedule with the DSL. */
const built: Record<string, ScheduleBuilder> = {
  'every 10 days and 3 hours': union(four[0]).in('Asia/Tehran'),
  'Thursdays 17:00': union(four[1]).in('Asia/Tehran'),
  'Saturdays 04:00': union(four[2]).in('Asia/Tehran'),
  'the 3rd of each month at 15:00': union(four[3]).in('Asia/Tehran'),
  'the union of the four, without the new-year week, until 2028': union(...four)
    .in('Asia/Tehran')
    .except(between('2026-12-28T00:00:00', '2027-01-04T00:00:00'))
    .endingBefore('2028-01-01T00:00:00Z'),
  "a crontab in the contract's object form": union(crontab({ minute: '0', hour: '15', day_of_month: '3' })),
  'a one-shot a year ahead': union(at('2027-11-22T09:00:00Z')),
};

describe('spec/vectors/schedules.json', () => {
  it('has a TypeScript build for every case', () => {
    expect(Object.keys(built).sort()).toEqual(schedules.cases.map((c) => c.name).sort());
  });

  for (const vector of schedules.cases) {
    it(vector.name, () => {
      const builder = built[vector.name];
      if (!builder) throw new Error(`no build for ${vector.name}`);
      expect(JSON.parse(JSON.stringify(builder))).toEqual(vector.schedule);
      const from = Date.parse(schedules.from);
      const fires = compileSchedule(vector.schedule, { now: from })
        .preview(from, vector.fires.length)
        .map((d) => formatInstant(d.getTime()));
      expect(fires).toEqual(vector.fires);
    });
  }
});

describe('spec/vectors/results.json and replies.json', () => {
  for (const vector of load<{ cases: { name: string; message: unknown }[] }>('results.json').cases) {
    it(`result: ${vector.name} is a ResultMessage`, () => {
      const parsed = resultMessageSchema.safeParse(vector.message);
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    });
  }
  for (const vector of load<{ cases: { name: string; message: unknown }[] }>('replies.json').cases) {
    it(`reply: ${vector.name} is an error Reply`, () => {
      const parsed = replySchema.safeParse(vector.message);
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
      expect(vector.message).toMatchObject({ ok: false });
    });
  }
});

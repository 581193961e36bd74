import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CompiledSchedule, compileSchedule, ScheduleSearchLimitError } from '../../src/index.ts';
import { TimeZone } from '../../src/schedule/timezone.ts';
import {
  DAY,
  daysInMonth,
  everyFire,
  HOUR,
  MINUTE,
  naiveWall,
  offsetOf,
  readDateTime,
  readDuration,
  resolveNaive,
  type Steps,
  type Wall,
  wallOf,
} from './helpers.ts';

/**
 * Properties over random schedules, checked against the Intl oracle of helpers.ts. Random instants
 * cluster around the DST changes of the zones under test, where mistakes would hide.
 */

const ZONES = ['UTC', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Tehran'] as const;

/** Instants worth being near: DST changes of the zones above, month ends, a leap day. */
const HOT = [
  '2026-03-08T07:00:00Z',
  '2026-11-01T06:00:00Z',
  '2026-03-29T01:00:00Z',
  '2026-10-25T01:00:00Z',
  '2026-04-04T15:00:00Z',
  '2026-10-03T15:30:00Z',
  '2021-03-21T20:30:00Z',
  '2021-09-21T19:30:00Z',
  '2028-02-29T12:00:00Z',
  '2026-01-31T12:00:00Z',
  '2099-12-31T12:00:00Z',
].map((t) => Date.parse(t));

const NUM_RUNS = 200;

// ---------------------------------------------------------------------------------------------
// Random instants and date-time texts

const hotArb = fc.constantFrom(...HOT);

/** An instant within `spanMs` of `base`, on a whole minute mostly, else on a whole second. */
function near(base: number, spanMs: number): fc.Arbitrary<number> {
  return fc.tuple(fc.integer({ min: -spanMs, max: spanMs }), fc.integer({ min: 0, max: 4 })).map(([delta, pick]) => {
    const unit = pick === 0 ? 1000 : MINUTE;
    return Math.floor((base + delta) / unit) * unit;
  });
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function naiveText(wall: number): string {
  const d = new Date(wall);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

function dateText(wall: number): string {
  return naiveText(wall).slice(0, 10);
}

/** A date-time text near `base`: RFC 3339 UTC, or a local wall time (which may fall in a gap or overlap). */
function dateTimeArb(base: number, spanMs: number): fc.Arbitrary<string> {
  return fc
    .tuple(
      near(base, spanMs),
      fc.boolean(),
      // A fraction now and then (kept to the millisecond); mostly whole seconds, which can coincide with cron fires.
      fc.oneof({ arbitrary: fc.constant(null), weight: 4 }, { arbitrary: fc.integer({ min: 1, max: 999 }), weight: 1 }),
    )
    .map(([t, local, milli]) => {
      const text = milli === null ? naiveText(t) : `${naiveText(t)}.${pad(milli, 3)}`;
      return local ? text : `${text}Z`;
    });
}

// ---------------------------------------------------------------------------------------------
// Random cron expressions, each field with the set of values it allows

interface Field {
  readonly text: string;
  readonly values: ReadonlySet<number>;
  readonly star: boolean;
}

interface FieldKind {
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** The value of the first name (1 for JAN, 0 for SUN). */
  readonly nameBase?: number;
}

const SECONDS: FieldKind = { min: 0, max: 59 };
const MINUTES: FieldKind = { min: 0, max: 59 };
const HOURS: FieldKind = { min: 0, max: 23 };
const DAYS: FieldKind = { min: 1, max: 31 };
const MONTHS: FieldKind = {
  min: 1,
  max: 12,
  names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  nameBase: 1,
};
const WEEKDAYS: FieldKind = { min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'], nameBase: 0 };

function span(from: number, to: number, step = 1): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

/** A value as a number or, when it has one and `useName`, as its name (lower-case for even values: names are case-insensitive). */
function render(kind: FieldKind, value: number, useName: boolean): string {
  const name = kind.names?.[value - (kind.nameBase ?? 0)];
  if (!useName || name === undefined) return String(value);
  return value % 2 === 0 ? name.toLowerCase() : name;
}

function atomArb(kind: FieldKind): fc.Arbitrary<{ text: string; values: number[] }> {
  const value = fc.integer({ min: kind.min, max: kind.max });
  const width = kind.max - kind.min + 1;
  return fc.oneof(
    fc.tuple(value, fc.boolean()).map(([v, n]) => ({ text: render(kind, v, n), values: [v] })),
    fc.tuple(value, value, fc.boolean()).map(([a, b, n]) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      return { text: `${render(kind, lo, n)}-${render(kind, hi, n)}`, values: span(lo, hi) };
    }),
    fc.integer({ min: 1, max: width }).map((step) => ({ text: `*/${step}`, values: span(kind.min, kind.max, step) })),
    fc.tuple(value, value, fc.integer({ min: 1, max: width })).map(([a, b, step]) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      return { text: `${lo}-${hi}/${step}`, values: span(lo, hi, step) };
    }),
    fc.tuple(value, fc.integer({ min: 1, max: width })).map(([start, step]) => ({
      text: `${start}/${step}`,
      values: span(start, kind.max, step),
    })),
    // A day-of-week range may end on Sunday written as 0 or SUN: FRI-SUN is 5-7.
    ...(kind === WEEKDAYS
      ? [
          fc.tuple(fc.integer({ min: 1, max: 6 }), fc.boolean()).map(([start, n]) => ({
            text: `${render(kind, start, n)}-${render(kind, 0, n)}`,
            values: span(start, 7),
          })),
        ]
      : []),
  );
}

function fieldArb(kind: FieldKind, starWeight: number): fc.Arbitrary<Field> {
  const star: Field = { text: '*', values: new Set(span(kind.min, kind.max)), star: true };
  const list = fc.array(atomArb(kind), { minLength: 1, maxLength: 3 }).map((atoms) => ({
    text: atoms.map((a) => a.text).join(','),
    values: new Set(atoms.flatMap((a) => a.values)),
    star: false,
  }));
  return fc.oneof({ arbitrary: fc.constant(star), weight: starWeight }, { arbitrary: list, weight: 10 - starWeight });
}

interface Cron {
  readonly text: string;
  readonly hasSeconds: boolean;
  readonly second: Field;
  readonly minute: Field;
  readonly hour: Field;
  readonly dom: Field;
  readonly month: Field;
  readonly dow: Field;
}

/** A date can match: some allowed month has an allowed day (Feb 29 counts), or day-of-week decides. */
function canEverMatch(c: Cron): boolean {
  if (c.dom.star || !c.dow.star) return true;
  return [...c.month.values].some((m) => [...c.dom.values].some((d) => d <= (m === 2 ? 29 : daysInMonth(2001, m))));
}

function cronArb(options: { seconds?: boolean; minute?: fc.Arbitrary<Field>; secondField?: fc.Arbitrary<Field> } = {}) {
  return fc
    .record({
      hasSeconds: options.seconds === undefined ? fc.boolean() : fc.constant(options.seconds),
      second: options.secondField ?? fieldArb(SECONDS, 3),
      minute: options.minute ?? fieldArb(MINUTES, 2),
      hour: fieldArb(HOURS, 5),
      dom: fieldArb(DAYS, 7),
      month: fieldArb(MONTHS, 7),
      dow: fieldArb(WEEKDAYS, 7),
    })
    .map((f): Cron => {
      const five = [f.minute, f.hour, f.dom, f.month, f.dow].map((x) => x.text).join(' ');
      return { ...f, text: f.hasSeconds ? `${f.second.text} ${five}` : five };
    })
    .filter(canEverMatch);
}

function dayMatches(c: Cron, w: Wall): boolean {
  const dom = c.dom.values.has(w.day);
  const dow = c.dow.values.has(w.weekday) || (w.weekday === 0 && c.dow.values.has(7));
  if (!c.dom.star && !c.dow.star) return dom || dow;
  if (!c.dom.star) return dom;
  if (!c.dow.star) return dow;
  return true;
}

/** Does the wall-clock reading match the cron fields? Seconds: `exact` (rule), else only for 6 fields. */
function cronMatches(c: Cron, w: Wall, ignoreSecondsOf5 = false): boolean {
  const secondOk = c.hasSeconds ? c.second.values.has(w.second) : ignoreSecondsOf5 || w.second === 0;
  return (
    secondOk &&
    c.minute.values.has(w.minute) &&
    c.hour.values.has(w.hour) &&
    c.month.values.has(w.month) &&
    dayMatches(c, w)
  );
}

// ---------------------------------------------------------------------------------------------
// Random schedules

type RuleGen =
  | { readonly kind: 'cron'; readonly cron: Cron; readonly asCrontab: boolean }
  | { readonly kind: 'every'; readonly duration: string; readonly from: string | undefined }
  | { readonly kind: 'at'; readonly at: string };

type ExclusionGen =
  | { readonly kind: 'cron'; readonly cron: Cron }
  | { readonly kind: 'dates'; readonly first: string; readonly last: string }
  | { readonly kind: 'times'; readonly first: string; readonly second: string };

interface Gen {
  readonly zone: string;
  readonly now: number;
  readonly rules: readonly RuleGen[];
  readonly except: readonly ExclusionGen[];
  readonly start: string | undefined;
  readonly end: string | undefined;
}

function durationText(parts: readonly [string, number][]): string {
  const date = parts.filter(([u]) => !u.startsWith('T'));
  const time = parts.filter(([u]) => u.startsWith('T'));
  const d = date.filter(([, n]) => n > 0).map(([u, n]) => `${n}${u}`);
  const t = time.filter(([, n]) => n > 0).map(([u, n]) => `${n}${u.slice(1)}`);
  return `P${d.join('')}${t.length > 0 ? `T${t.join('')}` : ''}`;
}

const durationArb: fc.Arbitrary<string> = fc.oneof(
  // Elapsed time only, 1 s to about two days.
  fc
    .tuple(fc.integer({ min: 0, max: 48 }), fc.integer({ min: 0, max: 120 }), fc.integer({ min: 0, max: 120 }))
    .filter(([h, m, s]) => h + m + s > 0)
    .map(([h, m, s]) =>
      durationText([
        ['TH', h],
        ['TM', m],
        ['TS', s],
      ]),
    ),
  // A date part, maybe with a time part.
  fc
    .tuple(
      fc.integer({ min: 0, max: 1 }),
      fc.integer({ min: 0, max: 14 }),
      fc.integer({ min: 0, max: 2 }),
      fc.integer({ min: 0, max: 40 }),
      fc.integer({ min: 0, max: 30 }),
      fc.integer({ min: 0, max: 59 }),
    )
    .filter(([y, mo, w, d]) => y + mo + w + d > 0)
    .map(([y, mo, w, d, h, m]) =>
      durationText([
        ['Y', y],
        ['M', mo],
        ['W', w],
        ['D', d],
        ['TH', h],
        ['TM', m],
      ]),
    ),
);

function ruleArb(base: number): fc.Arbitrary<RuleGen> {
  return fc.oneof(
    fc.record({ kind: fc.constant('cron' as const), cron: cronArb(), asCrontab: fc.boolean() }).map((r) => ({
      ...r,
      // The crontab form has no seconds.
      asCrontab: r.asCrontab && !r.cron.hasSeconds,
    })),
    fc.record({
      kind: fc.constant('every' as const),
      duration: durationArb,
      from: fc.option(dateTimeArb(base, 20 * DAY), { nil: undefined }),
    }),
    fc.record({ kind: fc.constant('at' as const), at: dateTimeArb(base, 10 * DAY) }),
  );
}

function exclusionArb(base: number): fc.Arbitrary<ExclusionGen> {
  return fc.oneof(
    // Restrictive enough not to drop everything: a single minute of each hour, or a single hour.
    fc.record({
      kind: fc.constant('cron' as const),
      cron: cronArb({
        minute: fc.integer({ min: 0, max: 59 }).map((m) => ({ text: String(m), values: new Set([m]), star: false })),
      }),
    }),
    fc.tuple(near(base, 10 * DAY), fc.integer({ min: 0, max: 2 })).map(([t, n]) => ({
      kind: 'dates' as const,
      first: dateText(t),
      last: dateText(t + n * DAY),
    })),
    fc.tuple(near(base, 10 * DAY), fc.integer({ min: 1, max: 48 * 60 }), fc.boolean()).map(([t, minutes, local]) => {
      const z = local ? '' : 'Z';
      return { kind: 'times' as const, first: `${naiveText(t)}${z}`, second: `${naiveText(t + minutes * MINUTE)}${z}` };
    }),
  );
}

const genArb: fc.Arbitrary<Gen> = fc.tuple(fc.constantFrom(...ZONES), hotArb).chain(([zone, base]) =>
  fc.record({
    zone: fc.constant(zone),
    now: near(base, 10 * DAY),
    rules: fc.array(ruleArb(base), { minLength: 1, maxLength: 4 }),
    except: fc.array(exclusionArb(base), { maxLength: 2 }),
    start: fc.option(dateTimeArb(base, 10 * DAY), { nil: undefined, freq: 3 }),
    end: fc.option(dateTimeArb(base + 20 * DAY, 15 * DAY), { nil: undefined, freq: 3 }),
  }),
);

function crontabOf(c: Cron) {
  return {
    minute: c.minute.text,
    hour: c.hour.text,
    day_of_month: c.dom.text,
    month_of_year: c.month.text,
    day_of_week: c.dow.text,
  };
}

function specOf(gen: Gen, limit?: number): object {
  const rules = gen.rules.map((r) => {
    if (r.kind === 'cron') return r.asCrontab ? { crontab: crontabOf(r.cron) } : { cron: r.cron.text };
    if (r.kind === 'every') return r.from === undefined ? { every: r.duration } : { every: r.duration, from: r.from };
    return { at: r.at };
  });
  const except = gen.except.map((x) => {
    if (x.kind === 'cron') return { cron: x.cron.text };
    return { between: x.kind === 'dates' ? [x.first, x.last] : [x.first, x.second] };
  });
  return {
    timezone: gen.zone,
    rules,
    ...(except.length > 0 ? { except } : {}),
    ...(gen.start === undefined ? {} : { start: gen.start }),
    ...(gen.end === undefined ? {} : { end: gen.end }),
    ...(limit === undefined ? {} : { limit }),
  };
}

/** Whether the generated bounds and ranges are well-ordered (the engine rightly rejects them otherwise). */
function wellFormed(gen: Gen): boolean {
  if (
    gen.start !== undefined &&
    gen.end !== undefined &&
    readDateTime(gen.zone, gen.end) <= readDateTime(gen.zone, gen.start)
  )
    return false;
  return gen.except.every(
    (x) => x.kind !== 'times' || readDateTime(gen.zone, x.second) > readDateTime(gen.zone, x.first),
  );
}

// ---------------------------------------------------------------------------------------------
// The oracle: where may a fire come from, and is it excluded?

function meanStep(steps: Steps): number {
  return steps.months * 30.436875 * DAY + steps.days * DAY + steps.timeMs;
}

/** Is `t` fire k of this every rule for some k? */
function isEveryFire(zone: string, anchor: number, steps: Steps, t: number): boolean {
  if (t < anchor) return false;
  const k0 = Math.floor((t - anchor) / meanStep(steps));
  for (let k = Math.max(0, k0 - 3); k <= k0 + 3; k++) if (everyFire(zone, anchor, steps, k) === t) return true;
  return false;
}

/** Is `t` the rule-3 instant of a wall time matching the cron? (The wall may be in a gap, so try the offsets around t.) */
function isCronFire(zone: string, c: Cron, t: number): boolean {
  const walls = new Set([t + offsetOf(zone, t), t + offsetOf(zone, t - 36 * HOUR), t + offsetOf(zone, t + 36 * HOUR)]);
  for (const wall of walls) if (cronMatches(c, naiveWall(wall)) && resolveNaive(zone, wall) === t) return true;
  return false;
}

function anchorOf(gen: Gen, r: RuleGen & { kind: 'every' }): number {
  return r.from === undefined ? gen.now : readDateTime(gen.zone, r.from);
}

function producedBy(gen: Gen, t: number): boolean {
  return gen.rules.some((r) => {
    if (r.kind === 'cron') return isCronFire(gen.zone, r.cron, t);
    if (r.kind === 'every') return isEveryFire(gen.zone, anchorOf(gen, r), readDuration(r.duration), t);
    return readDateTime(gen.zone, r.at) === t;
  });
}

function excluded(gen: Gen, t: number): boolean {
  const w = wallOf(gen.zone, t);
  const date = `${w.year}-${pad(w.month)}-${pad(w.day)}`;
  return gen.except.some((x) => {
    if (x.kind === 'cron') return cronMatches(x.cron, w, true);
    if (x.kind === 'dates') return x.first <= date && date <= x.last;
    return readDateTime(gen.zone, x.first) <= t && t < readDateTime(gen.zone, x.second);
  });
}

function inBounds(gen: Gen, t: number): boolean {
  const start = gen.start === undefined ? Number.NEGATIVE_INFINITY : readDateTime(gen.zone, gen.start);
  const end = gen.end === undefined ? Number.POSITIVE_INFINITY : readDateTime(gen.zone, gen.end);
  return start <= t && t < end;
}

/** Runs the preview; a schedule whose fires are all excluded is not a counterexample, so it is skipped. */
function previewOrSkip(schedule: CompiledSchedule, from: number, count: number): number[] {
  try {
    return schedule.preview(from, count).map((d) => d.getTime());
  } catch (error) {
    if (error instanceof ScheduleSearchLimitError) fc.pre(false);
    throw error;
  }
}

const iso = (t: number) => new Date(t).toISOString();

// ---------------------------------------------------------------------------------------------

describe('properties of random schedules (rules 1-9)', () => {
  it('preview is strictly increasing, after from, in bounds; each fire comes from a rule and matches no exclusion', () => {
    fc.assert(
      fc.property(genArb, fc.integer({ min: 1, max: 20 }), (gen, count) => {
        fc.pre(wellFormed(gen));
        const schedule = compileSchedule(specOf(gen), { now: gen.now });
        const from = gen.now;
        const fires = previewOrSkip(schedule, from, count);
        expect(fires.length).toBeLessThanOrEqual(count);
        let previous = from;
        for (const t of fires) {
          expect(t, `${iso(t)} after ${iso(previous)}`).toBeGreaterThan(previous);
          expect(inBounds(gen, t), `${iso(t)} in bounds`).toBe(true);
          expect(producedBy(gen, t), `${iso(t)} produced by a rule`).toBe(true);
          expect(excluded(gen, t), `${iso(t)} excluded`).toBe(false);
          previous = t;
        }
      }),
      { numRuns: NUM_RUNS, maxSkipsPerRun: 0.5 },
    );
  });

  it('no every or at fire is missing between from and the last fire previewed', () => {
    fc.assert(
      fc.property(genArb, fc.integer({ min: 1, max: 20 }), (gen, count) => {
        fc.pre(wellFormed(gen));
        const schedule = compileSchedule(specOf(gen), { now: gen.now });
        const from = gen.now - 5 * DAY;
        const fires = previewOrSkip(schedule, from, count);
        const through = fires.length === count ? (fires[count - 1] as number) : Number.POSITIVE_INFINITY;
        const got = new Set(fires);
        const wanted = (t: number) => t > from && t <= through && inBounds(gen, t) && !excluded(gen, t);
        for (const r of gen.rules) {
          if (r.kind === 'at') {
            const t = readDateTime(gen.zone, r.at);
            if (wanted(t)) expect(got.has(t), `at ${iso(t)}`).toBe(true);
          } else if (r.kind === 'every') {
            const anchor = anchorOf(gen, r);
            const steps = readDuration(r.duration);
            const end = Math.min(
              through,
              gen.end === undefined ? Number.POSITIVE_INFINITY : readDateTime(gen.zone, gen.end),
            );
            let k = Math.max(0, Math.floor((from - anchor) / meanStep(steps)) - 3);
            for (let n = 0; n < 5_000; n++, k++) {
              const t = everyFire(gen.zone, anchor, steps, k);
              if (t > end) break;
              if (wanted(t)) expect(got.has(t), `every ${r.duration} fire ${k} = ${iso(t)}`).toBe(true);
            }
          }
        }
      }),
      { numRuns: NUM_RUNS, maxSkipsPerRun: 0.5 },
    );
  });

  it('preview from the k-th instant continues the same sequence', () => {
    fc.assert(
      fc.property(genArb, fc.integer({ min: 2, max: 20 }), fc.nat(), (gen, count, pick) => {
        fc.pre(wellFormed(gen));
        const schedule = compileSchedule(specOf(gen), { now: gen.now });
        const fires = previewOrSkip(schedule, gen.now, count);
        fc.pre(fires.length > 0);
        const k = pick % fires.length;
        const rest = previewOrSkip(schedule, fires[k] as number, count);
        const overlap = fires.slice(k + 1);
        expect(rest.slice(0, overlap.length).map(iso)).toEqual(overlap.map(iso));
        // A short first preview means the schedule ended: nothing may follow.
        if (fires.length < count) expect(rest.length).toBe(overlap.length);
        // next() agrees with preview.
        expect(schedule.next(fires[k] as number)?.getTime()).toBe(rest[0]);
      }),
      { numRuns: NUM_RUNS, maxSkipsPerRun: 0.5 },
    );
  });

  it('limit keeps the first `limit` fires counted from the beginning of the schedule (rule 8)', () => {
    fc.assert(
      fc.property(
        genArb,
        fc.integer({ min: 1, max: 12 }),
        fc.nat(),
        fc.integer({ min: 1, max: 15 }),
        (gen, limit, pick, count) => {
          fc.pre(wellFormed(gen));
          const unlimited = compileSchedule(specOf(gen), { now: gen.now });
          const limited = compileSchedule(specOf(gen, limit), { now: gen.now });
          expect(limited.maxFires).toBe(limit);
          // The beginning: start, else the earliest every anchor or at, else creation.
          const anchors = gen.rules.flatMap((r) =>
            r.kind === 'every' ? [anchorOf(gen, r)] : r.kind === 'at' ? [readDateTime(gen.zone, r.at)] : [],
          );
          const origin =
            gen.start !== undefined
              ? readDateTime(gen.zone, gen.start)
              : anchors.length > 0
                ? Math.min(...anchors)
                : gen.now;
          const allowed = previewOrSkip(unlimited, origin - 1, limit);
          expect(previewOrSkip(limited, origin - 1, limit + 5)).toEqual(allowed);
          // From any point after the beginning, what is left of those fires.
          const after = allowed.length === 0 ? origin : (allowed[pick % allowed.length] as number) - (pick % 2);
          expect(previewOrSkip(limited, after, count)).toEqual(allowed.filter((t) => t > after).slice(0, count));
        },
      ),
      { numRuns: NUM_RUNS, maxSkipsPerRun: 0.5 },
    );
  });

  it('compiling the normalised spec again gives the same fires', () => {
    fc.assert(
      fc.property(genArb, (gen) => {
        fc.pre(wellFormed(gen));
        const schedule = compileSchedule(specOf(gen), { now: gen.now });
        const again = compileSchedule(JSON.parse(JSON.stringify(schedule)), { now: gen.now + 12_345_678 });
        expect(previewOrSkip(again, gen.now, 10)).toEqual(previewOrSkip(schedule, gen.now, 10));
      }),
      { numRuns: 100 },
    );
  });
});

describe('properties of cron rules near DST changes: all and only the matching walls (rules 2, 3)', () => {
  /** A minute field of at most a few values an hour, so that a brute-force window stays small. */
  const sparseMinutes = fc
    .uniqueArray(fc.integer({ min: 0, max: 59 }), { minLength: 1, maxLength: 4 })
    .map((ms): Field => ({ text: ms.join(','), values: new Set(ms), star: false }));
  const fewSeconds = fc
    .uniqueArray(fc.integer({ min: 0, max: 59 }), { minLength: 1, maxLength: 3 })
    .map((ss): Field => ({ text: ss.join(','), values: new Set(ss), star: false }));

  it('every wall time in the window that matches resolves (rule 3) to a fire, and nothing else fires', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        cronArb({ minute: sparseMinutes, secondField: fewSeconds }),
        hotArb.chain((h) => near(h, 36 * HOUR)),
        (zone, c, center) => {
          const from = center - 12 * HOUR;
          const to = center + 12 * HOUR;
          const expected = new Set<number>();
          // Every offset is within ±16 h, so only walls in this range can resolve into (from, to].
          for (let wall = Math.floor((from - 16 * HOUR) / MINUTE) * MINUTE; wall <= to + 16 * HOUR; wall += MINUTE) {
            const w = naiveWall(wall);
            if (!c.minute.values.has(w.minute) || !c.hour.values.has(w.hour) || !c.month.values.has(w.month)) continue;
            if (!dayMatches(c, w)) continue;
            for (const second of c.hasSeconds ? c.second.values : [0]) {
              const t = resolveNaive(zone, wall + second * 1000);
              if (t > from && t <= to) expected.add(t);
            }
          }
          const want = [...expected].sort((a, b) => a - b);
          const schedule = compileSchedule({ timezone: zone, rules: [{ cron: c.text }] });
          const got = schedule.preview(from, want.length + 1).map((d) => d.getTime());
          expect(got.slice(0, want.length).map(iso)).toEqual(want.map(iso));
          if (got.length > want.length) expect(got[want.length] as number).toBeGreaterThan(to);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('properties of the zone table (internal: timezone.ts against Intl)', () => {
  /** More zones for the table: 45-minute offsets, negative DST (Dublin), a 2-hour DST (Troll), a skipped day (Apia 2011). */
  const MORE_ZONES = [
    ...ZONES,
    'Pacific/Chatham',
    'America/St_Johns',
    'Asia/Kathmandu',
    'Europe/Dublin',
    'America/Santiago',
    'Antarctica/Troll',
    'Pacific/Apia',
  ];
  const MORE_HOT = [...HOT, Date.parse('2011-12-30T10:00:00Z'), Date.parse('2026-09-26T14:00:00Z')];

  it('offsetAt agrees with Intl at random instants, and toInstant resolves walls per rule 3', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...MORE_ZONES),
        fc.oneof(
          fc.integer({ min: Date.UTC(1975, 0, 1), max: Date.UTC(2040, 0, 1) }),
          fc.constantFrom(...MORE_HOT).chain((h) => near(h, 2 * DAY)),
        ),
        (name, t) => {
          const zone = TimeZone.find(name);
          if (zone === null) throw new Error(`unknown zone ${name}`);
          const instant = Math.floor(t / 1000) * 1000;
          expect(zone.offsetAt(instant)).toBe(offsetOf(name, instant));
          expect(zone.toWall(instant)).toBe(instant + offsetOf(name, instant));
          expect(iso(zone.toInstant(instant))).toBe(iso(resolveNaive(name, instant)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the oracle itself: resolveNaive of a wall reads back as that wall unless it is in a gap', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        hotArb.chain((h) => near(h, 3 * HOUR)),
        (zone, wall) => {
          const t = resolveNaive(zone, wall);
          const back = t + offsetOf(zone, t);
          // Either the wall exists (and t is its earliest instant), or it is in a gap and t is after it on the wall.
          if (back !== wall) {
            expect(back).toBeGreaterThan(wall);
            expect(back - wall).toBeLessThanOrEqual(HOUR);
          } else {
            const earlier = [offsetOf(zone, t - 36 * HOUR), offsetOf(zone, t + 36 * HOUR)]
              .map((o) => wall - o)
              .filter((u) => u < t && u + offsetOf(zone, u) === wall);
            expect(earlier).toEqual([]);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

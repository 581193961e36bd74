import { parseCronExpression } from 'cron-schedule';
import {
  type CivilDate,
  DAY_SECONDS,
  daysFromCivil,
  daysInMonth,
  unsafeCivilFromDays,
  weekdayOfDays,
} from './civil.ts';
import type { Crontab } from './schema.ts';

/**
 * Cron expressions: parsed by `cron-schedule` (the product's chosen parser), then compiled into
 * lookup tables so that finding the next matching wall-clock second never scans second by second.
 *
 * Semantics (docs/schedules.md §2): 5 fields (minute hour day-of-month month day-of-week) or 6
 * (seconds first); lists, ranges, steps, names; day-of-week 0 and 7 are Sunday. When both day
 * fields are restricted (anything but a bare `*`), a day matches if EITHER matches (Vixie cron).
 */

const FIELD_NAMES_5 = ['minute', 'hour', 'day-of-month', 'month', 'day-of-week'] as const;
const FIELD_NAMES_6 = ['second', ...FIELD_NAMES_5] as const;

const RANGES: Record<string, readonly [number, number]> = {
  second: [0, 59],
  minute: [0, 59],
  hour: [0, 23],
  'day-of-month': [1, 31],
  month: [1, 12],
  'day-of-week': [0, 7],
};
const NAMES: Record<string, readonly string[]> = {
  month: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  'day-of-week': ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'],
};
/**
 * Nicknames are expanded to their 5 fields before anything else, so that the day fields of
 * `@weekly` (`0 0 * * 0`) count as restricted like any other day-of-week field.
 */
const NICKNAMES: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@hourly': '0 * * * *',
  '@minutely': '* * * * *',
};
const ATOM = /^(\*|[0-9a-z]+(?:-[0-9a-z]+)?)(?:\/(\d+))?$/i;

/** Searching further than this many days or months means the rule does not fire before year 10000. */
const MAX_SEARCH_STEPS = 100_000;
const MAX_YEAR = 9999;

/** The crontab keys in cron field order, with the field names problems are reported under. */
const CRONTAB_FIELDS = [
  ['minute', 'minute'],
  ['hour', 'hour'],
  ['day_of_month', 'day-of-month'],
  ['month_of_year', 'month'],
  ['day_of_week', 'day-of-week'],
] as const satisfies readonly (readonly [keyof Crontab, string])[];

/** The 5-field cron expression of a crontab object. */
export function crontabToCron(tab: Crontab): string {
  const field = (v: string | number | undefined) => (v === undefined ? '*' : String(v).trim() || '*');
  return CRONTAB_FIELDS.map(([key]) => field(tab[key])).join(' ');
}

/**
 * Compiles a crontab object. Each value must be one field: joined with spaces, `{ hour: '9 1' }`
 * would otherwise shift the fields and silently become a different (6-field) expression.
 */
export function compileCrontab(tab: Crontab): CronMatcher | CronFieldProblem {
  for (const [key, field] of CRONTAB_FIELDS) {
    const value = String(tab[key] ?? '*').trim();
    if (/\s/.test(value)) return { field, message: `${field} '${value}' is not a value, range, list or step` };
  }
  return CronMatcher.compile(crontabToCron(tab));
}

/** The problem with one cron field, naming the field as `minute`, `hour`, … */
export interface CronFieldProblem {
  readonly field: string;
  readonly message: string;
}

function checkAtom(field: string, atom: string): string | null {
  const [min, max] = RANGES[field] as readonly [number, number];
  const names = NAMES[field];
  const match = ATOM.exec(atom);
  if (match === null) return `${field} '${atom}' is not a value, range, list or step`;
  const values = match[1] === '*' ? [] : (match[1] as string).split('-');
  const numbers: number[] = [];
  for (const value of values) {
    let n: number;
    if (/^\d+$/.test(value)) n = Number(value);
    else {
      const index = names?.indexOf(value.toLowerCase()) ?? -1;
      if (index < 0) return `${field} '${value}' is not a number${names ? ' or a name' : ''}`;
      n = field === 'month' ? index + 1 : index;
    }
    if (n < min || n > max) return `${field} ${value} out of ${min}-${max}`;
    numbers.push(n);
  }
  const [first, last] = numbers;
  if (first !== undefined && last !== undefined && first > last && !(field === 'day-of-week' && last === 0)) {
    return `${field} range ${match[1]} runs backwards`;
  }
  if (match[2] !== undefined && Number(match[2]) < 1) return `${field} step in '${atom}' must be at least 1`;
  return null;
}

/**
 * Normalises and checks a cron expression; returns the fields to hand to cron-schedule or the
 * first problem. cron-schedule reads `5x` as 5 (parseInt), so tokens are checked strictly first.
 * `N/step` (a common extension) is rewritten to `N-max/step`.
 */
function normaliseFields(expression: string): string[] | CronFieldProblem {
  const trimmed = expression.trim();
  const fields = (NICKNAMES[trimmed.toLowerCase()] ?? trimmed).split(/\s+/).filter((f) => f.length > 0);
  if (fields.length !== 5 && fields.length !== 6) {
    return {
      field: 'expression',
      message: `expected 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), got ${fields.length}`,
    };
  }
  const names = fields.length === 6 ? FIELD_NAMES_6 : FIELD_NAMES_5;
  const normalised: string[] = [];
  for (const [i, text] of fields.entries()) {
    const field = names[i] as string;
    const atoms: string[] = [];
    for (const atom of text.split(',')) {
      const message = checkAtom(field, atom);
      if (message) return { field, message };
      atoms.push(rewriteAtom(field, atom));
    }
    normalised.push(atoms.join(','));
  }
  return normalised;
}

/**
 * Rewrites the forms cron-schedule lacks into ones it reads: `N/step` becomes `N-max/step`, and a
 * day-of-week range ending in Sunday as 0 (`FRI-SUN` read as `5-0`) ends in 7 instead.
 * Day-of-week names become numbers first: cron-schedule reads `SUN` as 7, which would turn
 * `SUN-7` (every day) and `SUN/2` (Sun, Tue, Thu, Sat) into Sunday alone.
 */
function rewriteAtom(field: string, atom: string): string {
  const weekdayNames = field === 'day-of-week' ? NAMES['day-of-week'] : undefined;
  const text = weekdayNames
    ? atom.replace(/[a-z]+/gi, (name) => String(weekdayNames.indexOf(name.toLowerCase())))
    : atom;
  const single = /^([0-9a-z]+)\/(\d+)$/i.exec(text);
  if (single) return `${single[1]}-${(RANGES[field] as readonly [number, number])[1]}/${single[2]}`;
  // Only a range that would run backwards ends in Sunday: `0-0` is Sunday alone, not the whole week.
  if (weekdayNames)
    return text.replace(/^(\d+)-0+(?=\/|$)/, (range, start) => (Number(start) > 0 ? `${start}-7` : range));
  return text;
}

/** A compiled cron expression: lookup tables over the wall clock. Immutable after construction. */
export class CronMatcher {
  readonly expression: string;
  /** True for 6-field expressions; a 5-field one ignores seconds when used as an exclusion. */
  readonly hasSeconds: boolean;
  private readonly nextSecond: Int8Array;
  private readonly nextMinute: Int8Array;
  private readonly nextHour: Int8Array;
  private readonly months: Uint8Array;
  private readonly monthDays: Uint8Array;
  private readonly weekdays: Uint8Array;
  private readonly domRestricted: boolean;
  private readonly dowRestricted: boolean;
  private readonly firstSecond: number;
  private readonly firstMinute: number;
  private readonly scratch: CivilDate = { year: 0, month: 0, day: 0 };

  private constructor(expression: string, fields: readonly string[]) {
    const cron = parseCronExpression(fields.join(' '));
    this.expression = expression;
    this.hasSeconds = fields.length === 6;
    this.nextSecond = successorTable(cron.seconds, 60);
    this.nextMinute = successorTable(cron.minutes, 60);
    this.nextHour = successorTable(cron.hours, 24);
    this.months = membership(
      cron.months.map((m) => m + 1),
      13,
    );
    this.monthDays = membership(cron.days, 32);
    this.weekdays = membership(cron.weekdays, 7);
    const dayFields = fields.slice(-3);
    this.domRestricted = dayFields[0] !== '*';
    this.dowRestricted = dayFields[2] !== '*';
    this.firstSecond = this.nextSecond[0] as number;
    this.firstMinute = this.nextMinute[0] as number;
  }

  /** Compiles `expression`, or returns the problem naming the field. */
  static compile(expression: string): CronMatcher | CronFieldProblem {
    const fields = normaliseFields(expression);
    if (!Array.isArray(fields)) return fields;
    try {
      return new CronMatcher(expression, fields);
    } catch (error) {
      return { field: 'expression', message: error instanceof Error ? error.message : String(error) };
    }
  }

  /** False when no calendar date can ever match (`0 0 30 2 *`); Feb 29 counts as possible. */
  canEverFire(): boolean {
    if (this.dowRestricted) return true;
    for (let month = 1; month <= 12; month++) {
      if (!this.months[month]) continue;
      const last = month === 2 ? 29 : daysInMonth(2001, month);
      for (let day = 1; day <= last; day++) if (this.monthDays[day]) return true;
    }
    return false;
  }

  /** The smallest matching wall value strictly after `wall` (whole seconds), or -1 before year 10000. */
  nextWallAfter(wall: number): number {
    const start = Math.floor(wall / 1000) + 1;
    let dayNumber = Math.floor(start / DAY_SECONDS);
    let secondOfDay = start - dayNumber * DAY_SECONDS;
    const date = unsafeCivilFromDays(dayNumber, this.scratch);
    let { year, month, day } = date;
    for (let step = 0; step < MAX_SEARCH_STEPS; step++) {
      if (!this.months[month] || day > daysInMonth(year, month)) {
        month++;
        if (month > 12) {
          month = 1;
          year++;
          if (year > MAX_YEAR) return -1;
        }
        day = 1;
        secondOfDay = 0;
        dayNumber = daysFromCivil(year, month, 1);
        continue;
      }
      if (this.dayMatches(day, weekdayOfDays(dayNumber))) {
        const time = this.nextTimeOfDay(secondOfDay);
        if (time >= 0) return (dayNumber * DAY_SECONDS + time) * 1000;
      }
      day++;
      dayNumber++;
      secondOfDay = 0;
    }
    return -1;
  }

  /** True when the wall value matches; `ignoreSeconds` compares to the minute (5-field exclusions). */
  matchesWall(wall: number, ignoreSeconds: boolean): boolean {
    const totalSeconds = Math.floor(wall / 1000);
    const dayNumber = Math.floor(totalSeconds / DAY_SECONDS);
    const sod = totalSeconds - dayNumber * DAY_SECONDS;
    const date = unsafeCivilFromDays(dayNumber, this.scratch);
    const hour = Math.floor(sod / 3600);
    const minute = Math.floor(sod / 60) % 60;
    const second = sod % 60;
    return (
      this.months[date.month] === 1 &&
      this.dayMatches(date.day, weekdayOfDays(dayNumber)) &&
      this.nextHour[hour] === hour &&
      this.nextMinute[minute] === minute &&
      (ignoreSeconds || this.nextSecond[second] === second)
    );
  }

  private dayMatches(day: number, weekday: number): boolean {
    if (this.domRestricted && this.dowRestricted) return this.monthDays[day] === 1 || this.weekdays[weekday] === 1;
    if (this.domRestricted) return this.monthDays[day] === 1;
    if (this.dowRestricted) return this.weekdays[weekday] === 1;
    return true;
  }

  /** The first allowed second-of-day >= `sod`, or -1 when none is left today. */
  private nextTimeOfDay(sod: number): number {
    const hour = Math.floor(sod / 3600);
    const minute = Math.floor(sod / 60) % 60;
    const second = sod % 60;
    const h = this.nextHour[hour] as number;
    if (h < 0) return -1;
    if (h > hour) return h * 3600 + this.firstMinute * 60 + this.firstSecond;
    const m = this.nextMinute[minute] as number;
    if (m === minute) {
      const s = this.nextSecond[second] as number;
      if (s >= 0) return h * 3600 + m * 60 + s;
      const m2 = this.nextMinute[minute + 1] as number;
      if (m2 >= 0) return h * 3600 + m2 * 60 + this.firstSecond;
    } else if (m > minute) return h * 3600 + m * 60 + this.firstSecond;
    const h2 = this.nextHour[hour + 1] as number;
    return h2 < 0 ? -1 : h2 * 3600 + this.firstMinute * 60 + this.firstSecond;
  }
}

/** table[i] = the smallest allowed value >= i, or -1; table[size] = -1 as a sentinel. */
function successorTable(allowed: readonly number[], size: number): Int8Array {
  const table = new Int8Array(size + 1).fill(-1);
  const set = new Set(allowed);
  let next = -1;
  for (let i = size - 1; i >= 0; i--) {
    if (set.has(i)) next = i;
    table[i] = next;
  }
  return table;
}

function membership(values: readonly number[], size: number): Uint8Array {
  const table = new Uint8Array(size);
  for (const v of values) table[v] = 1;
  return table;
}

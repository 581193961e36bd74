/**
 * An oracle for the schedule tests that shares no code with the engine: offsets come from
 * `Intl.DateTimeFormat`'s `longOffset` name (the engine reads `formatToParts` fields and caches
 * transitions per year), and calendar arithmetic uses `Date.UTC` (the engine has its own civil
 * algorithms). Expected values are derived here or written out by hand, never by the engine.
 */

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Parses an ISO string with an offset (or `Z`) into ms. */
export function ms(text: string): number {
  const value = Date.parse(text);
  if (Number.isNaN(value)) throw new Error(`bad test instant ${text}`);
  return value;
}

/** ISO strings of a list of Dates, for readable diffs. */
export function isos(dates: readonly Date[]): string[] {
  return dates.map((d) => d.toISOString());
}

/** ISO strings of instants given as `…Z` shorthand without seconds: `2026-03-08T07:30Z`. */
export function utc(...texts: string[]): string[] {
  return texts.map((t) => new Date(ms(t)).toISOString());
}

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** The UTC offset of `zone` at `instant`, in ms (wall = instant + offset), from Intl's `GMT+03:30`. */
export function offsetOf(zone: string, instant: number): number {
  if (zone === 'UTC') return 0;
  let format = offsetFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    offsetFormats.set(zone, format);
  }
  const name = format.formatToParts(instant).find((p) => p.type === 'timeZoneName')?.value ?? '';
  if (name === 'GMT') return 0;
  const m = /^GMT([+-])(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(name);
  if (!m) throw new Error(`unexpected offset name ${name}`);
  const size = Number(m[2]) * HOUR + Number(m[3]) * MINUTE + Number(m[4] ?? 0) * 1000;
  return m[1] === '-' ? -size : size;
}

/** A wall-clock reading. `weekday` is 0 = Sunday … 6 = Saturday. */
export interface Wall {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly weekday: number;
}

/** The wall clock of `zone` at `instant`. */
export function wallOf(zone: string, instant: number): Wall {
  return naiveWall(instant + offsetOf(zone, instant));
}

/** The fields of a wall value (ms on the wall clock, read as if it were UTC). */
export function naiveWall(wall: number): Wall {
  const d = new Date(wall);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    weekday: d.getUTCDay(),
  };
}

/** Civil fields as "naive" ms (the instant it would be in UTC); `Date.UTC` normalises overflowing fields. */
export function naive(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, milli = 0): number {
  return Date.UTC(year, month - 1, day, hour, minute, second, milli);
}

/**
 * The instant of a wall-clock time per rule 3 (RFC 5545 §3.3.5): in a gap, read with the offset in
 * force before the gap; in an overlap, the first (earlier) occurrence. Assumes at most one offset
 * change within 36 hours of the wall time, true of every zone these tests use.
 */
export function resolveNaive(zone: string, wall: number): number {
  const before = offsetOf(zone, wall - 36 * HOUR);
  const after = offsetOf(zone, wall + 36 * HOUR);
  const valid = [before, after].filter((o) => offsetOf(zone, wall - o) === o).map((o) => wall - o);
  return valid.length > 0 ? Math.min(...valid) : wall - before;
}

/** The instant of a wall-clock time given as fields. */
export function resolveWall(
  zone: string,
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
  milli = 0,
): number {
  return resolveNaive(zone, naive(year, month, day, hour, minute, second, milli));
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/;

/**
 * An RFC 3339 date-time as the engine should read it: with an offset it is that instant; without
 * one it is a wall time in `zone`, resolved per rule 3.
 */
export function readDateTime(zone: string, text: string): number {
  const m = LOCAL.exec(text);
  if (!m) return ms(text);
  const [y, mo, d, h, mi] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  const milli = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0'));
  return resolveWall(zone, y, mo, d, h, mi, Number(m[6] ?? 0), milli);
}

export function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** An ISO 8601 duration split as rule 4 uses it. */
export interface Steps {
  readonly months: number;
  readonly days: number;
  readonly timeMs: number;
}

export function readDuration(text: string): Steps {
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(text);
  if (!m) throw new Error(`bad test duration ${text}`);
  const n = (i: number) => Number(m[i] ?? 0);
  return { months: n(1) * 12 + n(2), days: n(3) * 7 + n(4), timeMs: ((n(5) * 60 + n(6)) * 60 + n(7)) * 1000 };
}

/**
 * Fire k of `every` (rule 4): the anchor's wall date plus k × the date part (months first, day
 * clamped to the month's end, then days), at the anchor's wall time, resolved per rule 3, plus
 * k × the time part as elapsed time. Fire 0 is the anchor itself.
 */
export function everyFire(zone: string, anchor: number, steps: Steps, k: number): number {
  if (k === 0) return anchor;
  if (steps.months === 0 && steps.days === 0) return anchor + k * steps.timeMs;
  const w = wallOf(zone, anchor);
  const milli = ((anchor % 1000) + 1000) % 1000;
  const monthIndex = w.year * 12 + (w.month - 1) + k * steps.months;
  const year = Math.floor(monthIndex / 12);
  const month = (monthIndex % 12) + 1;
  const day = Math.min(w.day, daysInMonth(year, month));
  const wall = naive(year, month, day + k * steps.days, w.hour, w.minute, w.second, milli);
  return resolveNaive(zone, wall) + k * steps.timeMs;
}

/** Sorted, de-duplicated ISO strings of instants. */
export function sortedIsos(instants: Iterable<number>): string[] {
  return [...new Set(instants)].sort((a, b) => a - b).map((t) => new Date(t).toISOString());
}

/** Calendar days from `first` to `last` inclusive, as [year, month, day, weekday]. */
export function* civilDays(
  first: readonly [number, number, number],
  last: readonly [number, number, number],
): Generator<[number, number, number, number]> {
  for (let t = naive(...first); t <= naive(...last); t += DAY) {
    const d = new Date(t);
    yield [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCDay()];
  }
}

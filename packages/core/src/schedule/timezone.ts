import { type CivilDate, DAY_MS, daysFromCivil, SECOND_MS, unsafeCivilFromDays } from './civil.ts';

/**
 * IANA time zones on top of `Intl` (the ICU data that ships with Node), the only module that knows
 * about UTC offsets, DST gaps and overlaps.
 *
 * `Intl.DateTimeFormat` costs microseconds a call, far too slow for the calendar engine, so each
 * zone learns its offset transitions one year at a time (sampling daily, then bisecting each change
 * to the second) and answers from that table afterwards. Zones whose offset changes twice within
 * one day would be misread; tzdb has none since 1970.
 */

interface YearTable {
  /** First instant of the (UTC) year. */
  readonly start: number;
  /** First instant of the next year. */
  readonly end: number;
  /** Instants at which the offset changes, ascending; `offsets[i]` holds from `transitions[i-1]`. */
  readonly transitions: readonly number[];
  /** Offsets in ms (wall = instant + offset); one more entry than `transitions`. */
  readonly offsets: readonly number[];
}

/** Bounded so that a caller walking many years cannot grow a zone's memory without end. */
const MAX_CACHED_YEARS = 512;
const scratch: CivilDate = { year: 0, month: 0, day: 0 };

export class TimeZone {
  private static readonly cache = new Map<string, TimeZone>();
  static readonly UTC = new TimeZone('UTC', null);

  readonly name: string;
  private readonly format: Intl.DateTimeFormat | null;
  private readonly years = new Map<number, YearTable>();
  private last: YearTable | null = null;

  private constructor(name: string, format: Intl.DateTimeFormat | null) {
    this.name = name;
    this.format = format;
  }

  /** Returns the zone named `name` (an IANA name such as `America/New_York`), or null if unknown. */
  static find(name: string): TimeZone | null {
    const cached = TimeZone.cache.get(name);
    if (cached) return cached;
    // Intl also takes offsets such as "+03:30"; a schedule names a zone, whose offset can change.
    if (/^[+-]/.test(name)) return null;
    let format: Intl.DateTimeFormat;
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone: name,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        era: 'short',
      });
    } catch {
      return null;
    }
    // Intl accepts any casing ("asia/tehran"); keep the canonical name, and one zone object per zone.
    const canonical = format.resolvedOptions().timeZone;
    const zone =
      canonical === 'UTC' || canonical === 'Etc/UTC'
        ? TimeZone.UTC
        : (TimeZone.cache.get(canonical) ?? new TimeZone(canonical, format));
    // Only canonical names are cached: other spellings are many ("ASIA/tehran"…), and caching each
    // would let clients grow the cache without bound. They pay one Intl lookup per compile instead.
    TimeZone.cache.set(canonical, zone);
    return zone;
  }

  /** True for UTC, whose offset is always 0 (a fast path for the engine). */
  get isUtc(): boolean {
    return this.format === null;
  }

  /** The offset in ms at `instant`: wall = instant + offset. */
  offsetAt(instant: number): number {
    if (this.format === null) return 0;
    const table = this.tableFor(instant);
    const { transitions, offsets } = table;
    let i = 0;
    while (i < transitions.length && (transitions[i] as number) <= instant) i++;
    return offsets[i] as number;
  }

  /** The wall value (local date-time as ms) at `instant`. */
  toWall(instant: number): number {
    return instant + this.offsetAt(instant);
  }

  /**
   * The instant of a wall value, resolved as RFC 5545 §3.3.5 (Temporal's 'compatible', Python's
   * fold=0): in a gap the wall is read with the offset before the gap (02:30 in a 02:00→03:00 gap
   * becomes 03:30 new time); a wall that occurs twice resolves to its first occurrence.
   */
  toInstant(wall: number): number {
    if (this.format === null) return wall;
    const before = this.offsetAt(wall - DAY_MS);
    const after = this.offsetAt(wall + DAY_MS);
    if (before === after) return wall - before;
    const early = wall - before;
    const late = wall - after;
    const earlyValid = this.offsetAt(early) === before;
    const lateValid = this.offsetAt(late) === after;
    if (earlyValid && lateValid) return Math.min(early, late);
    if (earlyValid) return early;
    if (lateValid) return late;
    return early; // a gap: the offset in force before it
  }

  /** True when the offset is the same at every instant of [from, to]. */
  isConstantBetween(from: number, to: number): boolean {
    if (this.format === null) return true;
    return this.countTransitions(from, to) === 0;
  }

  /** The smallest and largest offsets in force within [from, to]. */
  offsetRange(from: number, to: number): { min: number; max: number } {
    let min = this.offsetAt(from);
    let max = min;
    for (let start = from; start <= to; ) {
      const table = this.tableFor(start);
      for (let i = 0; i < table.transitions.length; i++) {
        const t = table.transitions[i] as number;
        if (t > from && t <= to) {
          const o = table.offsets[i + 1] as number;
          if (o < min) min = o;
          if (o > max) max = o;
        }
      }
      start = table.end;
    }
    return { min, max };
  }

  private countTransitions(from: number, to: number): number {
    let n = 0;
    for (let start = from; start <= to; ) {
      const table = this.tableFor(start);
      for (const t of table.transitions) if (t > from && t <= to) n++;
      start = table.end;
    }
    return n;
  }

  private tableFor(instant: number): YearTable {
    const last = this.last;
    if (last !== null && instant >= last.start && instant < last.end) return last;
    const year = unsafeCivilFromDays(Math.floor(instant / DAY_MS), scratch).year;
    let table = this.years.get(year);
    if (!table) {
      if (this.years.size >= MAX_CACHED_YEARS) this.years.clear();
      table = this.buildYear(year);
      this.years.set(year, table);
    }
    this.last = table;
    return table;
  }

  private buildYear(year: number): YearTable {
    const start = daysFromCivil(year, 1, 1) * DAY_MS;
    const end = daysFromCivil(year + 1, 1, 1) * DAY_MS;
    const transitions: number[] = [];
    const offsets: number[] = [this.readOffset(start)];
    let previous = start;
    let previousOffset = offsets[0] as number;
    for (let t = start + DAY_MS; t <= end; t += DAY_MS) {
      const probe = Math.min(t, end - SECOND_MS);
      const offset = this.readOffset(probe);
      if (offset !== previousOffset) {
        transitions.push(this.bisectTransition(previous, probe, previousOffset));
        offsets.push(offset);
        previousOffset = offset;
      }
      previous = probe;
    }
    return { start, end, transitions, offsets };
  }

  /** The first second in (low, high] whose offset differs from `lowOffset`. */
  private bisectTransition(low: number, high: number, lowOffset: number): number {
    let lo = low;
    let hi = high;
    while (hi - lo > SECOND_MS) {
      const mid = lo + Math.floor((hi - lo) / SECOND_MS / 2) * SECOND_MS;
      if (this.readOffset(mid) === lowOffset) lo = mid;
      else hi = mid;
    }
    return hi;
  }

  /** The offset at `instant` straight from ICU, truncated to whole seconds. */
  private readOffset(instant: number): number {
    const format = this.format;
    if (format === null) return 0;
    let year = 0;
    let month = 0;
    let day = 0;
    let hour = 0;
    let minute = 0;
    let second = 0;
    let bc = false;
    for (const part of format.formatToParts(instant)) {
      switch (part.type) {
        case 'year':
          year = Number(part.value);
          break;
        case 'month':
          month = Number(part.value);
          break;
        case 'day':
          day = Number(part.value);
          break;
        case 'hour':
          hour = Number(part.value);
          break;
        case 'minute':
          minute = Number(part.value);
          break;
        case 'second':
          second = Number(part.value);
          break;
        case 'era':
          bc = part.value.startsWith('B');
          break;
      }
    }
    const wall =
      daysFromCivil(bc ? 1 - year : year, month, day) * DAY_MS + ((hour * 60 + minute) * 60 + second) * SECOND_MS;
    const truncated = Math.floor(instant / SECOND_MS) * SECOND_MS;
    return wall - truncated;
  }
}

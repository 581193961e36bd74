import { DAY_MS, daysFromCivil } from './civil.ts';
import type { CronMatcher } from './cron-rule.ts';
import type { TimeZone } from './timezone.ts';

/**
 * An `except` entry. `skipFrom(instant)` answers -1 when the fire at `instant` stands, otherwise
 * the instant to resume the search after; a `between` range returns its end so that excluding a
 * month of a per-second rule is one step, not 2.6 million.
 */
export interface ExclusionEngine {
  skipFrom(instant: number): number;
}

/** Drops fires whose wall-clock time matches; a 5-field cron compares to the minute. */
export class CronExclusion implements ExclusionEngine {
  private readonly matcher: CronMatcher;
  private readonly zone: TimeZone;

  constructor(matcher: CronMatcher, zone: TimeZone) {
    this.matcher = matcher;
    this.zone = zone;
  }

  skipFrom(instant: number): number {
    return this.matcher.matchesWall(this.zone.toWall(instant), !this.matcher.hasSeconds) ? instant : -1;
  }
}

/** Drops fires in [from, to): two date-times, or two whole days (inclusive) turned into that range. */
export class RangeExclusion implements ExclusionEngine {
  private readonly from: number;
  private readonly to: number;

  constructor(from: number, to: number) {
    this.from = from;
    this.to = to;
  }

  /** Whole days `first`..`last` (inclusive) on the wall clock of `zone`. */
  static ofDays(
    first: { year: number; month: number; day: number },
    last: { year: number; month: number; day: number },
    zone: TimeZone,
  ): RangeExclusion {
    const start = zone.toInstant(daysFromCivil(first.year, first.month, first.day) * DAY_MS);
    const end = zone.toInstant((daysFromCivil(last.year, last.month, last.day) + 1) * DAY_MS);
    return new RangeExclusion(start, end);
  }

  skipFrom(instant: number): number {
    return instant >= this.from && instant < this.to ? this.to - 1 : -1;
  }
}

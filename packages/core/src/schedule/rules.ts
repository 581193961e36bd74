import { ScheduleSearchLimitError } from '../errors.ts';
import { type CivilDate, DAY_MS, daysFromCivil, unsafeAddMonths, unsafeCivilFromDays } from './civil.ts';
import type { CronMatcher } from './cron-rule.ts';
import { type Duration, hasDatePart, timePartMs } from './duration.ts';
import { MAX_INSTANT } from './instant.ts';
import type { TimeZone } from './timezone.ts';

/**
 * The three kinds of rule a schedule unites. Each answers one question: the first instant strictly
 * after `after` (ms since the epoch), or -1 for "never again". Numbers, not Dates: this is the hot path.
 */
export interface RuleEngine {
  next(after: number): number;
}

/** Two days cover any UTC offset change tzdb has ever had (the largest is a day, at the date line). */
const TRANSITION_MARGIN = 2 * DAY_MS;
/** Walls examined near a DST transition before the search gives up (an hour of a per-second rule is 3,600). */
const MAX_TRANSITION_CANDIDATES = 200_000;

/** A cron rule evaluated on the wall clock of `zone`. */
export class CronRuleEngine implements RuleEngine {
  private readonly matcher: CronMatcher;
  private readonly zone: TimeZone;

  constructor(matcher: CronMatcher, zone: TimeZone) {
    this.matcher = matcher;
    this.zone = zone;
  }

  next(after: number): number {
    const zone = this.zone;
    if (zone.isUtc) {
      const wall = this.matcher.nextWallAfter(after);
      return wall < 0 || wall > MAX_INSTANT ? -1 : wall;
    }
    const offset = zone.offsetAt(after);
    const wall = this.matcher.nextWallAfter(after + offset);
    if (wall < 0) return -1;
    const candidate = wall - offset;
    // Fast path: one offset all the way from `after` to the candidate, so wall order is instant order.
    if (zone.isConstantBetween(after - TRANSITION_MARGIN, candidate + TRANSITION_MARGIN)) {
      return candidate > MAX_INSTANT ? -1 : candidate;
    }
    return this.nextAcrossTransition(after, candidate);
  }

  /**
   * Near a transition wall order and instant order differ: a wall in a spring-forward gap resolves
   * later than the walls just after the gap. So examine every matching wall that could resolve
   * into (after, best] and keep the earliest instant.
   */
  private nextAcrossTransition(after: number, firstGuess: number): number {
    const zone = this.zone;
    const { min, max } = zone.offsetRange(after - TRANSITION_MARGIN, firstGuess + TRANSITION_MARGIN);
    let best = Number.POSITIVE_INFINITY;
    let wall = this.matcher.nextWallAfter(after + min - 1000);
    for (let i = 0; wall >= 0; i++) {
      if (i >= MAX_TRANSITION_CANDIDATES) {
        throw new ScheduleSearchLimitError(
          `cron '${this.matcher.expression}': more than ${MAX_TRANSITION_CANDIDATES} candidates around a time-zone transition`,
        );
      }
      const instant = zone.toInstant(wall);
      if (instant > after && instant < best) best = instant;
      // Every later wall resolves to at least wall - max.
      if (wall - max >= best) break;
      wall = this.matcher.nextWallAfter(wall);
    }
    return best === Number.POSITIVE_INFINITY || best > MAX_INSTANT ? -1 : best;
  }
}

/**
 * `every`: fire k = 0, 1, 2, … at from ⊕ k×duration, where ⊕ adds the date part on the wall clock
 * of `zone` (month ends clamped), resolves the wall per the gap/overlap rule, then adds the time
 * part as elapsed time (Temporal.ZonedDateTime.add). Each fire is computed from the anchor, never
 * from the previous fire, so the series never drifts.
 */
export class IntervalRuleEngine implements RuleEngine {
  private readonly from: number;
  private readonly zone: TimeZone;
  private readonly months: number;
  private readonly days: number;
  private readonly timeMs: number;
  private readonly dated: boolean;
  /** Mean length of one step, for a first guess of k. */
  private readonly meanStepMs: number;
  private readonly anchor: CivilDate;
  private readonly anchorTimeMs: number;
  private readonly scratch: CivilDate = { year: 0, month: 0, day: 0 };

  constructor(duration: Duration, from: number, zone: TimeZone) {
    this.from = from;
    this.zone = zone;
    this.months = duration.years * 12 + duration.months;
    this.days = duration.weeks * 7 + duration.days;
    this.timeMs = timePartMs(duration);
    this.dated = hasDatePart(duration);
    this.meanStepMs = this.months * 30.436875 * DAY_MS + this.days * DAY_MS + this.timeMs;
    const anchorWall = zone.toWall(from);
    const anchorDays = Math.floor(anchorWall / DAY_MS);
    this.anchor = unsafeCivilFromDays(anchorDays, { year: 0, month: 0, day: 0 });
    this.anchorTimeMs = anchorWall - anchorDays * DAY_MS;
  }

  /** The instant of fire k. */
  fire(k: number): number {
    if (k === 0) return this.from;
    if (!this.dated) return this.from + k * this.timeMs;
    const date = this.scratch;
    date.year = this.anchor.year;
    date.month = this.anchor.month;
    date.day = this.anchor.day;
    if (this.months !== 0) unsafeAddMonths(date, k * this.months);
    const wall = (daysFromCivil(date.year, date.month, date.day) + k * this.days) * DAY_MS + this.anchorTimeMs;
    return this.zone.toInstant(wall) + k * this.timeMs;
  }

  next(after: number): number {
    if (after < this.from) return this.from;
    let k = Math.max(1, Math.floor((after - this.from) / this.meanStepMs));
    while (k > 1 && this.fire(k - 1) > after) k--;
    let instant = this.fire(k);
    while (instant <= after) instant = this.fire(++k);
    return instant > MAX_INSTANT ? -1 : instant;
  }
}

/** `at`: a single instant. */
export class AtRuleEngine implements RuleEngine {
  readonly instant: number;

  constructor(instant: number) {
    this.instant = instant;
  }

  next(after: number): number {
    return this.instant > after ? this.instant : -1;
  }
}

import { InvalidArgumentError } from '../errors.ts';
import { type CompiledSchedule, type CompileOptions, compileSchedule } from './compile.ts';
import { type Duration, formatDuration } from './duration.ts';
import type {
  AtRule,
  BetweenExclusion,
  CronRule,
  Crontab,
  CrontabRule,
  EveryRule,
  Exclusion,
  Rule,
  ScheduleSpec,
} from './schema.ts';

/**
 * The TypeScript face of the schedule DSL. Every builder returns plain wire-form objects, so the
 * builder and the JSON form cannot disagree: both go through {@link compileSchedule}.
 *
 * @example The four calendars of docs/schedules.md, united:
 * ```ts
 * union(every({ days: 10, hours: 3 }), weekly('THU', '17:00'), weekly('SAT', '04:00'), monthly(3, '15:00'))
 *   .in('Asia/Tehran')
 * ```
 */

export type Weekday = 'SUN' | 'MON' | 'TUE' | 'WED' | 'THU' | 'FRI' | 'SAT';
const WEEKDAYS: readonly Weekday[] = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** A date-time for the wire form: a Date becomes RFC 3339 UTC; a string passes through unchanged. */
function dateTimeText(value: Date | string): string {
  return typeof value === 'string' ? value : value.toISOString();
}

/** `HH:MM` or `HH:MM:SS` on the wall clock, as cron fields [second, minute, hour]. */
function timeFields(time: string): [string, string, string] {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(time);
  const [hour, minute, second] = m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : [];
  if (hour === undefined || minute === undefined || second === undefined || hour > 23 || minute > 59 || second > 59) {
    throw new InvalidArgumentError('invalid time of day', [
      { path: 'time', message: `expected HH:MM or HH:MM:SS between 00:00 and 23:59:59, got '${time}'` },
    ]);
  }
  return [String(second), String(minute), String(hour)];
}

function cronAt(time: string, dayOfMonth: string, dayOfWeek: string): CronRule {
  const [second, minute, hour] = timeFields(time);
  const fields = [minute, hour, dayOfMonth, '*', dayOfWeek];
  return { cron: (second === '0' ? fields : [second, ...fields]).join(' ') };
}

function list<T>(value: T | readonly T[]): readonly T[] {
  return Array.isArray(value) ? value : [value as T];
}

/** A cron expression: 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first). */
export function cron(expression: string): CronRule {
  return { cron: expression };
}

/** The message contract's crontab object; missing fields mean `*`. */
export function crontab(fields: Crontab): CrontabRule {
  return { crontab: fields };
}

/**
 * Every `duration` (ISO 8601 such as `P10DT3H`, or `{ days: 10, hours: 3 }`) from `from`
 * (default: the task's creation time). Days and larger units follow the wall clock; hours and
 * smaller are elapsed time.
 */
export function every(duration: string | Partial<Duration>, options: { from?: Date | string } = {}): EveryRule {
  const text = typeof duration === 'string' ? duration : formatDuration(duration);
  return options.from === undefined ? { every: text } : { every: text, from: dateTimeText(options.from) };
}

/** Once, at `instant` (a string without an offset is read in the schedule's zone). */
export function at(instant: Date | string): AtRule {
  return { at: dateTimeText(instant) };
}

/** Every day at `time` (`HH:MM` or `HH:MM:SS`). */
export function daily(time: string): CronRule {
  return cronAt(time, '*', '*');
}

/** On the given weekday(s) at `time`, e.g. `weekly('THU', '17:00')`. */
export function weekly(days: Weekday | readonly Weekday[], time: string): CronRule {
  const names = list(days).map((day) => {
    const upper = day.toUpperCase() as Weekday;
    if (!WEEKDAYS.includes(upper)) {
      throw new InvalidArgumentError('invalid weekday', [
        { path: 'days', message: `expected one of ${WEEKDAYS.join(', ')}, got '${day}'` },
      ]);
    }
    return upper;
  });
  return cronAt(time, '*', names.join(','));
}

/** On the given day(s) of each month at `time`, e.g. `monthly(3, '15:00')`. Months without the day skip it. */
export function monthly(days: number | readonly number[], time: string): CronRule {
  return cronAt(time, list(days).join(','), '*');
}

/** An exclusion: two dates (whole days, inclusive) or two date-times ([first, second)). */
export function between(first: Date | string, second: Date | string): BetweenExclusion {
  return { between: [dateTimeText(first), dateTimeText(second)] };
}

/** An immutable schedule under construction; each method returns a new builder. */
export class ScheduleBuilder {
  readonly spec: Readonly<ScheduleSpec>;

  constructor(spec: ScheduleSpec) {
    this.spec = spec;
  }

  /** Evaluates every wall-clock rule in the IANA zone `timezone` (default UTC). */
  in(timezone: string): ScheduleBuilder {
    return new ScheduleBuilder({ ...this.spec, timezone });
  }

  /** Adds more rules to the union. */
  or(...rules: Rule[]): ScheduleBuilder {
    return new ScheduleBuilder({ ...this.spec, rules: [...this.spec.rules, ...rules] });
  }

  /** Drops fires matching any of `exclusions` (a cron/crontab on the wall clock, or {@link between}). */
  except(...exclusions: Exclusion[]): ScheduleBuilder {
    return new ScheduleBuilder({ ...this.spec, except: [...(this.spec.except ?? []), ...exclusions] });
  }

  /** Fires at or after `start` only. */
  startingAt(start: Date | string): ScheduleBuilder {
    return new ScheduleBuilder({ ...this.spec, start: dateTimeText(start) });
  }

  /** Fires strictly before `end` only. */
  endingBefore(end: Date | string): ScheduleBuilder {
    return new ScheduleBuilder({ ...this.spec, end: dateTimeText(end) });
  }

  /** At most `count` fires in all, counted from the schedule's beginning; then the task completes. */
  limit(count: number): ScheduleBuilder {
    return new ScheduleBuilder({ ...this.spec, limit: count });
  }

  /** Validates and compiles; throws ScheduleValidationError naming each bad field. */
  compile(options?: CompileOptions): CompiledSchedule {
    return compileSchedule(this.spec, options);
  }

  toJSON(): Readonly<ScheduleSpec> {
    return this.spec;
  }
}

/** A schedule firing at the union of `rules`. */
export function union(...rules: Rule[]): ScheduleBuilder {
  return new ScheduleBuilder({ rules });
}

import type { z } from 'zod';
import {
  InvalidArgumentError,
  ScheduleSearchLimitError,
  ScheduleValidationError,
  type ValidationIssue,
} from '../errors.ts';
import { formatPath, type PathSegment, toValidationIssues } from '../validation.ts';
import { CronMatcher, compileCrontab } from './cron-rule.ts';
import { parseDuration } from './duration.ts';
import { CronExclusion, type ExclusionEngine, RangeExclusion } from './exclusion.ts';
import { formatInstant, isDateOnly, parseDate, parseDateTime } from './instant.ts';
import { AtRuleEngine, CronRuleEngine, IntervalRuleEngine, type RuleEngine } from './rules.ts';
import {
  type CronRule,
  type Crontab,
  type CrontabRule,
  crontabSchema,
  type Exclusion,
  type Rule,
  type ScheduleSpec,
  scheduleSpecSchema,
  scheduleUnionBranches,
} from './schema.ts';
import { TimeZone } from './timezone.ts';

export interface CompileOptions {
  /**
   * The schedule's creation time in ms since the epoch: the anchor of `every` rules without `from`,
   * and where `limit` starts counting when the schedule names no `start`, `every` or `at`.
   * @default Date.now()
   */
  readonly now?: number;
  /** The zone of a schedule that names none (a bare crontab, say). @default 'UTC' */
  readonly defaultTimezone?: string;
}

/** Consecutive excluded candidates the search examines before it gives up with SCHEDULE_SEARCH_LIMIT. */
const MAX_EXCLUDED_CANDIDATES = 100_000;
/**
 * Rule and exclusion evaluations one search may make: each candidate costs one per rule and per
 * exclusion, so a schedule of many of both gets fewer candidates. Without this bound, 1,000
 * exclusions that exclude everything held the event loop (every channel) for 6-11 s; with it, about
 * 0.1 s at most. Ordinary schedules (a few rules and exclusions) still get all 100,000 candidates.
 */
const MAX_SEARCH_WORK = 1_000_000;
/** The most instants one preview may ask for. */
export const MAX_PREVIEW_COUNT = 10_000;

const SPEC_KEYS = new Set(['rules', 'timezone', 'except', 'start', 'end', 'limit']);
const CRON_FIELD_KEYS: Record<string, keyof Crontab> = {
  minute: 'minute',
  hour: 'hour',
  'day-of-month': 'day_of_month',
  month: 'month_of_year',
  'day-of-week': 'day_of_week',
};

const brand: unique symbol = Symbol('CompiledSchedule');
const NO_EXCLUSIONS: readonly ExclusionEngine[] = Object.freeze([]);

/**
 * `start`/`end`/`limit` and where `limit` counts from (`start`, else the earliest `every` anchor or
 * `at`, else creation). In one object because V8 boxes each double field of an object on its own:
 * most schedules have no bounds and share {@link UNBOUNDED}, which saves ~60 bytes per task.
 */
interface Bounds {
  readonly start: number;
  readonly end: number;
  readonly limit: number;
  readonly origin: number;
}
const UNBOUNDED: Bounds = Object.freeze({ start: -Infinity, end: Infinity, limit: Infinity, origin: -Infinity });

/**
 * A validated, immutable schedule: the only form the Scheduler accepts. Its `spec` is the
 * normalised wire form (crontab input turned into a full spec, `every.from` filled in), so storing
 * `spec` and compiling it again gives the same fires.
 */
export class CompiledSchedule {
  /** On the prototype (see below the class), not in each of the schedules a scheduler holds. */
  declare readonly [brand]: true;
  /**
   * The normalised wire form. Frozen. Compiling it again with the same `now` gives the same fires
   * (`now` matters only to a `limit` on a schedule with no `start`, `every` or `at`).
   */
  readonly spec: Readonly<ScheduleSpec>;
  /**
   * The rule engines; a schedule of one rule holds it without a list, and one of a single `at`
   * holds just its instant. Every pending one-shot task keeps one of these: the list and the
   * AtRuleEngine cost 88 bytes per task (measured with 100,000 pending tasks).
   */
  private readonly rules: number | RuleEngine | readonly RuleEngine[];
  private readonly exclusions: readonly ExclusionEngine[];
  /** Excluded candidates a search may examine: {@link MAX_EXCLUDED_CANDIDATES}, less for costly schedules. */
  private readonly maxCandidates: number;
  private readonly bounds: Bounds;

  /** @internal Use {@link compileSchedule}. */
  constructor(parts: {
    spec: ScheduleSpec;
    zone: TimeZone;
    rules: readonly RuleEngine[];
    exclusions: readonly ExclusionEngine[];
    start: number;
    end: number;
    limit: number;
    origin: number;
  }) {
    this.spec = deepFreeze(parts.spec);
    const { rules } = parts;
    const only = rules.length === 1 ? (rules[0] as RuleEngine) : undefined;
    this.rules = only === undefined ? rules : only instanceof AtRuleEngine ? only.instant : only;
    this.exclusions = parts.exclusions;
    const rulesPerCandidate = Array.isArray(this.rules) ? this.rules.length : 1;
    this.maxCandidates = Math.min(
      MAX_EXCLUDED_CANDIDATES,
      Math.floor(MAX_SEARCH_WORK / (rulesPerCandidate + this.exclusions.length)),
    );
    const { start, end, limit, origin } = parts;
    const unbounded = start === -Infinity && end === Infinity && limit === Infinity;
    this.bounds = unbounded ? UNBOUNDED : Object.freeze({ start, end, limit, origin });
  }

  /** The IANA zone every wall-clock rule is evaluated in. */
  get timezone(): string {
    return this.spec.timezone as string;
  }

  /** The number of fires the schedule allows in all (`limit`), or Infinity. */
  get maxFires(): number {
    return this.bounds.limit;
  }

  /**
   * The first fire strictly after `after` (ms), or -1 when there is none. Allocation-free; the
   * Scheduler's hot path. `fired` is how many fires already happened from the schedule's beginning
   * (the Scheduler keeps it); without it, a schedule with a `limit` counts them.
   */
  nextInstant(after: number, fired?: number): number {
    const { limit } = this.bounds;
    if (limit !== Number.POSITIVE_INFINITY) {
      const count = fired ?? this.countFiresThrough(after);
      if (count >= limit) return -1;
    }
    return this.nextUnlimited(after);
  }

  /** The first fire strictly after `after`, or null when the schedule has no fire left. */
  next(after: Date | number): Date | null {
    const instant = this.nextInstant(typeof after === 'number' ? after : after.getTime());
    return instant < 0 ? null : new Date(instant);
  }

  /** The next `count` fires strictly after `from` (fewer when the schedule ends first). */
  preview(from: Date | number, count: number): Date[] {
    if (!Number.isInteger(count) || count < 0 || count > MAX_PREVIEW_COUNT) {
      throw new InvalidArgumentError('invalid preview', [
        { path: 'count', message: `expected a whole number from 0 to ${MAX_PREVIEW_COUNT}, got ${count}` },
      ]);
    }
    const out: Date[] = [];
    let t = typeof from === 'number' ? from : from.getTime();
    let fired = this.bounds.limit === Number.POSITIVE_INFINITY ? 0 : this.countFiresThrough(t);
    while (out.length < count) {
      const instant = this.nextInstant(t, fired);
      if (instant < 0) break;
      out.push(new Date(instant));
      t = instant;
      if (this.countsTowardLimit(instant)) fired++;
    }
    return out;
  }

  /**
   * True when a fire at `instant` counts towards `limit`: fires before the schedule's beginning
   * (`start`; else its earliest `every` anchor or `at`; else creation) do not.
   */
  countsTowardLimit(instant: number): boolean {
    return instant >= this.bounds.origin;
  }

  /** The schedule's wire form, for `JSON.stringify`. */
  toJSON(): Readonly<ScheduleSpec> {
    return this.spec;
  }

  private nextUnlimited(after: number): number {
    const { start, end } = this.bounds;
    let t = Math.max(after, start - 1);
    for (let i = 0; i < this.maxCandidates; i++) {
      const candidate = this.nextOfRules(t);
      if (candidate < 0 || candidate >= end) return -1;
      let resume = -1;
      for (const exclusion of this.exclusions) {
        const skip = exclusion.skipFrom(candidate);
        if (skip > resume) resume = skip;
      }
      if (resume < 0) return candidate;
      t = resume;
    }
    throw new ScheduleSearchLimitError(
      `no fire after ${formatInstant(after)} within ${this.maxCandidates} candidates: every one was excluded`,
    );
  }

  /** The earliest next instant of any rule after `t`, or -1. */
  private nextOfRules(t: number): number {
    const rules = this.rules;
    if (typeof rules === 'number') return rules > t ? rules : -1;
    if (!Array.isArray(rules)) return (rules as RuleEngine).next(t);
    let candidate = -1;
    for (const rule of rules as readonly RuleEngine[]) {
      const instant = rule.next(t);
      if (instant >= 0 && (candidate < 0 || instant < candidate)) candidate = instant;
    }
    return candidate;
  }

  /**
   * How many fires fall in [beginning, through] and count towards `limit`, counted up to `limit`
   * (so the cost is bounded by it); 0 for a schedule without a limit.
   */
  countFiresThrough(through: number): number {
    const { limit, origin } = this.bounds;
    if (limit === Number.POSITIVE_INFINITY) return 0;
    let n = 0;
    for (let t = origin - 1; n < limit; n++) {
      const instant = this.nextUnlimited(t);
      if (instant < 0 || instant > through) break;
      t = instant;
    }
    return n;
  }
}

Object.defineProperty(CompiledSchedule.prototype, brand, { value: true });

export function isCompiledSchedule(value: unknown): value is CompiledSchedule {
  return typeof value === 'object' && value !== null && brand in value;
}

/**
 * Validates a schedule in any accepted form (a {@link ScheduleSpec}, a crontab object, a list of
 * crontabs) and compiles it. Throws {@link ScheduleValidationError} listing every problem with its
 * field path (`rules[2].cron: minute 61 out of 0-59`).
 */
export function compileSchedule(input: unknown, options: CompileOptions = {}): CompiledSchedule {
  if (isCompiledSchedule(input)) return input;
  const now = options.now ?? Date.now();
  const { spec, form } = readSpec(input);
  const issues: ValidationIssue[] = [];
  const report = (path: readonly PathSegment[], message: string) =>
    issues.push({ path: pathInInput(formatPath(path), form), message });

  const zoneName = spec.timezone ?? options.defaultTimezone ?? 'UTC';
  const zone = TimeZone.find(zoneName);
  if (zone === null)
    report(['timezone'], `unknown time zone '${zoneName}' (expected an IANA name such as Europe/London)`);
  const tz = zone ?? TimeZone.UTC;

  const compiledRules = spec.rules.map((rule, i) => compileRule(rule, ['rules', i], tz, now, report));
  const exclusions = (spec.except ?? []).map((exclusion, i) => compileExclusion(exclusion, ['except', i], tz, report));
  const start = readInstant(spec.start, ['start'], tz, report);
  const end = readInstant(spec.end, ['end'], tz, report);
  if (start !== undefined && end !== undefined && end <= start) report(['end'], 'must be after start');
  if (issues.length > 0) throw new ScheduleValidationError(issues);

  // No issue means every rule and exclusion compiled; arrays made by map are exactly sized.
  const rules = compiledRules as { engine: RuleEngine; rule: Rule; anchor?: number }[];
  const anchors = rules.flatMap((r) => (r.anchor === undefined ? [] : [r.anchor]));
  return new CompiledSchedule({
    spec: compactSpec(
      spec,
      tz.name,
      rules.map((r) => r.rule),
    ),
    zone: tz,
    rules: rules.map((r) => r.engine),
    exclusions: exclusions.length === 0 ? NO_EXCLUSIONS : (exclusions as ExclusionEngine[]),
    start: start ?? Number.NEGATIVE_INFINITY,
    end: end ?? Number.POSITIVE_INFINITY,
    limit: spec.limit ?? Number.POSITIVE_INFINITY,
    origin: start ?? (anchors.length > 0 ? Math.min(...anchors) : now),
  });
}

const MAX_CRONTABS = 1000;

/** A ScheduleBuilder (or anything else that serialises to a spec) rather than a plain spec. */
function isSpecProvider(input: unknown): input is { toJSON(): unknown } {
  return (
    typeof input === 'object' &&
    input !== null &&
    !Array.isArray(input) &&
    Object.getPrototypeOf(input) !== Object.prototype &&
    typeof (input as { toJSON?: unknown }).toJSON === 'function'
  );
}

/** Which of the three accepted forms the input had, so errors point into what the user wrote. */
type InputForm = 'spec' | 'crontab' | 'crontabs';

function pathInInput(path: string, form: InputForm): string {
  if (form === 'crontabs') return path.replace(/^rules(\[\d+\])\.crontab/, '$1');
  if (form === 'crontab') return path.replace(/^rules\[0\]\.crontab\.?/, '');
  return path;
}

/** Accepts the three input forms and checks the shape; returns a full spec. */
function readSpec(input: unknown): { spec: ScheduleSpec; form: InputForm } {
  const fail = (issues: readonly z.core.$ZodIssue[]): never => {
    throw new ScheduleValidationError(toValidationIssues(issues, input, scheduleUnionBranches));
  };
  if (isSpecProvider(input)) return readSpec(input.toJSON());
  if (Array.isArray(input)) {
    if (input.length > MAX_CRONTABS) {
      throw new ScheduleValidationError([{ path: '', message: `a list of crontabs holds at most ${MAX_CRONTABS}` }]);
    }
    const tabs = input.map((tab, i) => {
      const result = crontabSchema.safeParse(tab);
      return result.success
        ? result.data
        : fail(result.error.issues.map((issue) => ({ ...issue, path: [i, ...issue.path] })));
    });
    if (tabs.length === 0)
      throw new ScheduleValidationError([{ path: '', message: 'a list of crontabs must not be empty' }]);
    return { spec: { rules: tabs.map((crontab) => ({ crontab })) }, form: 'crontabs' };
  }
  if (typeof input !== 'object' || input === null) {
    throw new ScheduleValidationError([
      { path: '', message: 'expected a schedule object, a crontab object or a list of crontabs' },
    ]);
  }
  if (Object.keys(input).length === 0) {
    throw new ScheduleValidationError([
      { path: '', message: 'an empty object is not a schedule: give rules, or at least one crontab field' },
    ]);
  }
  if (!Object.keys(input).some((key) => SPEC_KEYS.has(key))) {
    const result = crontabSchema.safeParse(input);
    return result.success
      ? { spec: { rules: [{ crontab: result.data }] }, form: 'crontab' }
      : fail(result.error.issues);
  }
  const result = scheduleSpecSchema.safeParse(input);
  return result.success ? { spec: result.data, form: 'spec' } : fail(result.error.issues);
}

type Report = (path: readonly PathSegment[], message: string) => void;

function compileRule(
  rule: Rule,
  path: readonly PathSegment[],
  zone: TimeZone,
  now: number,
  report: Report,
): { engine: RuleEngine; rule: Rule; anchor?: number } | null {
  if ('cron' in rule || 'crontab' in rule) {
    const matcher = compileCron(rule, path, report);
    if (matcher === null) return null;
    if (!matcher.canEverFire()) {
      report([...path, 'cron' in rule ? 'cron' : 'crontab'], 'can never fire: no allowed month has an allowed day');
      return null;
    }
    return { engine: new CronRuleEngine(matcher, zone), rule };
  }
  if ('every' in rule) {
    const duration = parseDuration(rule.every);
    if (typeof duration === 'string') report([...path, 'every'], duration);
    const from = rule.from === undefined ? now : readInstant(rule.from, [...path, 'from'], zone, report);
    if (typeof duration === 'string' || from === undefined) return null;
    const engine = new IntervalRuleEngine(duration, from, zone);
    return { engine, rule: { every: rule.every, from: rule.from ?? formatInstant(from) }, anchor: from };
  }
  const at = readInstant(rule.at, [...path, 'at'], zone, report);
  return at === undefined ? null : { engine: new AtRuleEngine(at), rule, anchor: at };
}

function compileCron(rule: { cron: string } | { crontab: Crontab }, path: readonly PathSegment[], report: Report) {
  const matcher = 'cron' in rule ? CronMatcher.compile(rule.cron) : compileCrontab(rule.crontab);
  if (matcher instanceof CronMatcher) return matcher;
  const field = CRON_FIELD_KEYS[matcher.field];
  const at = 'cron' in rule ? [...path, 'cron'] : field ? [...path, 'crontab', field] : [...path, 'crontab'];
  report(at, matcher.message);
  return null;
}

function compileExclusion(
  exclusion: Exclusion,
  path: readonly PathSegment[],
  zone: TimeZone,
  report: Report,
): ExclusionEngine | null {
  if ('between' in exclusion) {
    const [first, second] = exclusion.between;
    const where = [...path, 'between'];
    if (isDateOnly(first) !== isDateOnly(second)) {
      report(where, 'expected two dates or two date-times, not one of each');
      return null;
    }
    if (isDateOnly(first)) {
      const a = parseDate(first);
      const b = parseDate(second);
      if (typeof a === 'string') report([...where, 0], a);
      if (typeof b === 'string') report([...where, 1], b);
      if (typeof a === 'string' || typeof b === 'string') return null;
      const range = RangeExclusion.ofDays(a, b, zone);
      if (first > second) report(where, 'the second date is before the first');
      return range;
    }
    const a = readInstant(first, [...where, 0], zone, report);
    const b = readInstant(second, [...where, 1], zone, report);
    if (a === undefined || b === undefined) return null;
    if (b <= a) report(where, 'the second date-time must be after the first');
    return new RangeExclusion(a, b);
  }
  const matcher = compileCron(exclusion, path, report);
  return matcher && new CronExclusion(matcher, zone);
}

function readInstant(
  text: string | undefined,
  path: readonly PathSegment[],
  zone: TimeZone,
  report: Report,
): number | undefined {
  if (text === undefined) return undefined;
  const instant = parseDateTime(text, zone);
  if (typeof instant === 'string') {
    report(path, instant);
    return undefined;
  }
  return instant;
}

/**
 * The normalised spec as fresh literals with only the keys that are set: it is kept for the life
 * of every task, and zod's output objects cost twice as much memory as plain ones.
 */
function compactSpec(spec: ScheduleSpec, timezone: string, rules: readonly Rule[]): ScheduleSpec {
  const out: { -readonly [K in keyof ScheduleSpec]: ScheduleSpec[K] } = { timezone, rules: rules.map(compactRule) };
  if (spec.except !== undefined) out.except = spec.except.map(compactExclusion);
  if (spec.start !== undefined) out.start = spec.start;
  if (spec.end !== undefined) out.end = spec.end;
  if (spec.limit !== undefined) out.limit = spec.limit;
  return out;
}

function compactRule(rule: Rule): Rule {
  if ('at' in rule) return { at: rule.at };
  if ('every' in rule) return rule.from === undefined ? { every: rule.every } : { every: rule.every, from: rule.from };
  return compactCron(rule);
}

function compactExclusion(exclusion: Exclusion): Exclusion {
  return 'between' in exclusion ? { between: [exclusion.between[0], exclusion.between[1]] } : compactCron(exclusion);
}

function compactCron(rule: CronRule | CrontabRule): CronRule | CrontabRule {
  return 'cron' in rule ? { cron: rule.cron } : { crontab: { ...rule.crontab } };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

import type { ResultChannel } from '../delivery/result-channel.ts';
import { InvalidArgumentError, type ValidationIssue } from '../errors.ts';
import type { Executor } from '../executor/executor.ts';
import { TimeZone } from '../schedule/timezone.ts';
import { MemoryTaskStore } from '../store/memory-store.ts';
import type { TaskStore } from '../store/task-store.ts';
import { type Clock, systemClock } from '../timing/clock.ts';
import { uuidv7 } from './ids.ts';

export interface SchedulerOptions {
  /** Where tasks live. @default a new MemoryTaskStore (nothing survives the process) */
  readonly store?: TaskStore;
  /** Executors for target kinds other than `function` (which is built in). */
  readonly executors?: readonly Executor[];
  /** Where results go besides the `result` event; each must confirm a result before it leaves the outbox. */
  readonly channels?: readonly ResultChannel[];
  /** Runs kept in each task's history. @default 100 */
  readonly runRetention?: number;
  /** @default systemClock */
  readonly clock?: Clock;
  /** The most runs in flight at once; further due runs wait in order. @default 100 */
  readonly concurrency?: number;
  /** A fire processed more than this late counts as missed and goes to the misfire policy. @default 5000 */
  readonly misfireThresholdMs?: number;
  /** How long stop() lets in-flight runs finish before aborting them. @default 30000 */
  readonly stopTimeoutMs?: number;
  /** The zone of schedules that name none (a bare crontab, say); checked at construction. @default 'UTC' */
  readonly defaultTimezone?: string;
  /** Makes task and run ids. @default UUIDv7 from the clock's time (ordered by creation) */
  readonly newId?: () => string;
}

export interface ResolvedSchedulerOptions {
  readonly store: TaskStore;
  readonly executors: readonly Executor[];
  readonly channels: readonly ResultChannel[];
  readonly runRetention: number;
  readonly clock: Clock;
  readonly concurrency: number;
  readonly misfireThresholdMs: number;
  readonly stopTimeoutMs: number;
  readonly newId: () => string;
  /** newId given the current time, which the default (a UUIDv7) needs: saves a clock read per run. */
  readonly newIdAt: (now: number) => string;
  readonly defaultTimezone: string;
}

function checkInteger(issues: ValidationIssue[], path: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    issues.push({ path, message: `expected a whole number >= ${min}, got ${value}` });
  }
}

/** Fills defaults and checks every option once; throws InvalidArgumentError naming each bad one. */
export function resolveSchedulerOptions(options: SchedulerOptions = {}): ResolvedSchedulerOptions {
  const clock = options.clock ?? systemClock;
  const custom = options.newId;
  const resolved: ResolvedSchedulerOptions = {
    store: options.store ?? new MemoryTaskStore(),
    executors: options.executors ?? [],
    channels: options.channels ?? [],
    runRetention: options.runRetention ?? 100,
    clock,
    concurrency: options.concurrency ?? 100,
    misfireThresholdMs: options.misfireThresholdMs ?? 5000,
    stopTimeoutMs: options.stopTimeoutMs ?? 30_000,
    newId: custom ?? (() => uuidv7(clock.now())),
    newIdAt: custom === undefined ? uuidv7 : () => custom(),
    defaultTimezone: options.defaultTimezone ?? 'UTC',
  };
  const issues: ValidationIssue[] = [];
  checkInteger(issues, 'concurrency', resolved.concurrency, 1);
  checkInteger(issues, 'misfireThresholdMs', resolved.misfireThresholdMs, 0);
  checkInteger(issues, 'stopTimeoutMs', resolved.stopTimeoutMs, 0);
  checkInteger(issues, 'runRetention', resolved.runRetention, 1);
  const names = new Set<string>();
  resolved.channels.forEach((channel, i) => {
    if (names.has(channel.name)) issues.push({ path: `channels[${i}].name`, message: `'${channel.name}' is taken` });
    names.add(channel.name);
  });
  const kinds = new Set<string>(['function']);
  resolved.executors.forEach((executor, i) => {
    if (kinds.has(executor.kind)) issues.push({ path: `executors[${i}].kind`, message: `'${executor.kind}' is taken` });
    kinds.add(executor.kind);
  });
  if (TimeZone.find(resolved.defaultTimezone) === null) {
    issues.push({ path: 'defaultTimezone', message: `unknown time zone '${resolved.defaultTimezone}'` });
  }
  if (issues.length > 0) throw new InvalidArgumentError('invalid scheduler options', issues);
  return resolved;
}

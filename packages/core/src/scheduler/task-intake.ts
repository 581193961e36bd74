import { z } from 'zod';
import {
  InvalidArgumentError,
  ScheduleValidationError,
  TargetForbiddenError,
  type ValidationIssue,
} from '../errors.ts';
import type { Executor } from '../executor/executor.ts';
import { type CompiledSchedule, compileSchedule } from '../schedule/compile.ts';
import { formatInstant } from '../schedule/instant.ts';
import { MAX_PAGE_SIZE, type RunQuery, type TaskQuery } from '../store/task-store.ts';
import { toValidationIssues } from '../validation.ts';
import { hashRequest } from './request-hash.ts';
import {
  resolvePolicies,
  TASK_STATUSES,
  type TaskInput,
  type TaskPatch,
  type TaskPolicies,
  type TaskRecord,
  type TaskTarget,
  taskInputSchema,
  taskPatchSchema,
} from './task.ts';

/**
 * The Scheduler's boundary: every check of what callers send (a new task, a query) in one place,
 * each failure an error naming the field (`schedule.rules[0].cron`, `target.name`, `limit`).
 */

/** What a task is checked against: the scheduler's executors and result channels, its default zone. */
export interface IntakeContext {
  readonly executors: ReadonlyMap<string, Executor>;
  readonly channels: readonly string[];
  readonly defaultTimezone: string;
}

/** A new task that passed every check, with what the Scheduler needs to store it. */
export interface AcceptedTask {
  readonly taskId: string | undefined;
  readonly requesterId: string;
  readonly target: TaskTarget;
  readonly policies: TaskPolicies;
  readonly compiled: CompiledSchedule;
  /** With a client-chosen id: the hash that tells a retry from a conflicting reuse of the id. */
  readonly requestHash: string | null;
  /** Fires between the schedule's beginning and `now`: they count towards `limit`, but never run. */
  readonly firedBefore: number;
  /** The first fire at or after `now`, or -1 when none is left (the caller decides: a retry of a stored task is fine). */
  readonly first: number;
}

export function prefixed(prefix: string, issues: readonly ValidationIssue[]): ValidationIssue[] {
  const join = (path: string) =>
    path === '' ? prefix : path.startsWith('[') ? `${prefix}${path}` : `${prefix}.${path}`;
  return issues.map((i) => ({ path: join(i.path), message: i.message }));
}

/** Checks a new task's shape, its target (by the executor of its kind) and its schedule, as of `now`. */
export function acceptTask(input: TaskInput, context: IntakeContext, now: number): AcceptedTask {
  const parsed = taskInputSchema.safeParse(input);
  if (!parsed.success) throw new InvalidArgumentError('invalid task', toValidationIssues(parsed.error.issues, input));
  const { task_id, requester_id, target, policies } = parsed.data;
  checkTarget(input.target, context);
  checkDeliverTo(input.deliver_to, context);
  const compiled = compileRequestSchedule(input.schedule, now, context.defaultTimezone);
  const firedBefore = compiled.countFiresThrough(now - 1);
  return {
    taskId: task_id,
    requesterId: requester_id,
    target: input.target,
    policies: resolvePolicies(policies),
    compiled,
    // Only a client-chosen id can be sent again, so only then is the request worth hashing.
    requestHash:
      task_id === undefined
        ? null
        : // Not deliver_to: the same task sent over two channels is the same request.
          hashRequest({ requester_id, schedule: input.schedule, target, policies: policies ?? null }),
    firedBefore,
    first: compiled.nextInstant(now - 1, firedBefore),
  };
}

/** A checked change to a task: the record's new fields, and its new schedule when that changed. */
export interface AcceptedPatch {
  readonly fields: Partial<TaskRecord>;
  /** With a new schedule: it compiled, and its first fire from `now` (-1: none left). */
  readonly schedule?: { readonly compiled: CompiledSchedule; readonly firedBefore: number; readonly first: number };
}

/** Checks a change to `record` the way {@link acceptTask} checks a new task. */
export function acceptPatch(patch: TaskPatch, record: TaskRecord, context: IntakeContext, now: number): AcceptedPatch {
  const parsed = taskPatchSchema.safeParse(patch);
  if (!parsed.success) throw new InvalidArgumentError('invalid change', toValidationIssues(parsed.error.issues, patch));
  const fields: { -readonly [K in keyof TaskRecord]?: TaskRecord[K] } = {};
  if (patch.target !== undefined) {
    checkTarget(patch.target, context);
    fields.target = patch.target;
  }
  if (patch.deliver_to !== undefined) {
    checkDeliverTo(patch.deliver_to, context);
    fields.deliver_to = patch.deliver_to;
  }
  if (parsed.data.policies !== undefined) fields.policies = resolvePolicies(parsed.data.policies, record.policies);
  if (patch.schedule === undefined) return { fields };
  const compiled = compileRequestSchedule(patch.schedule, now, context.defaultTimezone);
  const firedBefore = compiled.countFiresThrough(now - 1);
  const first = compiled.nextInstant(now - 1, firedBefore);
  fields.schedule = compiled.spec;
  fields.fire_count = firedBefore;
  return { fields, schedule: { compiled, firedBefore, first } };
}

function checkTarget(target: TaskTarget, context: IntakeContext): void {
  const executor = context.executors.get(target.kind);
  const issues = executor
    ? executor.validate(target)
    : [
        {
          path: 'kind',
          message: `no executor for '${target.kind}' (known: ${[...context.executors.keys()].join(', ')})`,
        },
      ];
  if (issues.length > 0) throw new InvalidArgumentError('invalid task', prefixed('target', issues));
}

/**
 * The asynchronous part of the target check (see `Executor.admit`), for a target that passed
 * {@link acceptTask} or {@link acceptPatch}: run after them so that a malformed task never waits
 * for a DNS lookup. @throws TargetForbiddenError
 */
export async function admitTarget(target: TaskTarget, context: IntakeContext): Promise<void> {
  const executor = context.executors.get(target.kind);
  if (executor?.admit === undefined) return;
  const issues = await executor.admit(target);
  if (issues.length > 0) throw new TargetForbiddenError(prefixed('target', issues));
}

function checkDeliverTo(names: readonly string[] | undefined, context: IntakeContext): void {
  const issues = (names ?? []).flatMap((name, i) =>
    context.channels.includes(name)
      ? []
      : [
          {
            path: `deliver_to[${i}]`,
            message: `no result channel '${name}' (configured: ${context.channels.join(', ') || 'none'})`,
          },
        ],
  );
  if (issues.length > 0) throw new InvalidArgumentError('invalid task', issues);
}

/** Compiles a schedule given in a request, its errors located in the request (`schedule.rules[0].cron`). */
export function compileRequestSchedule(schedule: unknown, now: number, defaultTimezone: string): CompiledSchedule {
  try {
    return compileSchedule(schedule, { now, defaultTimezone });
  } catch (error) {
    if (error instanceof ScheduleValidationError) throw new ScheduleValidationError(prefixed('schedule', error.issues));
    throw error;
  }
}

/** The error for a new task whose schedule has nothing left to fire. */
export function noFireLeft(now: number): ScheduleValidationError {
  return new ScheduleValidationError([
    { path: 'schedule', message: `has no fire at or after ${formatInstant(now)} (past 'at', 'end' or 'limit')` },
  ]);
}

const pageSchema = {
  limit: z.number().int().min(1).max(MAX_PAGE_SIZE).optional(),
  cursor: z.string().max(512).optional(),
};
const taskQuerySchema = z.strictObject({
  requester_id: z.string().min(1).max(128).optional(),
  status: z.union([z.enum(TASK_STATUSES), z.array(z.enum(TASK_STATUSES))]).optional(),
  ...pageSchema,
});
const runQuerySchema = z.strictObject(pageSchema);

export function checkTaskQuery(query: TaskQuery): void {
  const parsed = taskQuerySchema.safeParse(query);
  if (!parsed.success) throw new InvalidArgumentError('invalid query', toValidationIssues(parsed.error.issues, query));
}

export function checkRunQuery(query: RunQuery): void {
  const parsed = runQuerySchema.safeParse(query);
  if (!parsed.success) throw new InvalidArgumentError('invalid query', toValidationIssues(parsed.error.issues, query));
}

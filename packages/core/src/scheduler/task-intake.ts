import { z } from 'zod';
import { InvalidArgumentError, ScheduleValidationError, type ValidationIssue } from '../errors.ts';
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
  type TaskPolicies,
  type TaskTarget,
  taskInputSchema,
} from './task.ts';

/**
 * The Scheduler's boundary: every check of what callers send (a new task, a query) in one place,
 * each failure an error naming the field (`schedule.rules[0].cron`, `target.name`, `limit`).
 */

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
export function acceptTask(input: TaskInput, executors: ReadonlyMap<string, Executor>, now: number): AcceptedTask {
  const parsed = taskInputSchema.safeParse(input);
  if (!parsed.success) throw new InvalidArgumentError('invalid task', toValidationIssues(parsed.error.issues, input));
  const { task_id, requester_id, target, policies } = parsed.data;
  const executor = executors.get(target.kind);
  const targetIssues = executor
    ? executor.validate(input.target)
    : [{ path: 'kind', message: `no executor for '${target.kind}' (known: ${[...executors.keys()].join(', ')})` }];
  if (targetIssues.length > 0) throw new InvalidArgumentError('invalid task', prefixed('target', targetIssues));

  let compiled: CompiledSchedule;
  try {
    compiled = compileSchedule(input.schedule, { now });
  } catch (error) {
    if (error instanceof ScheduleValidationError) throw new ScheduleValidationError(prefixed('schedule', error.issues));
    throw error;
  }
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
        : hashRequest({ requester_id, schedule: input.schedule, target, policies: policies ?? null }),
    firedBefore,
    first: compiled.nextInstant(now - 1, firedBefore),
  };
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

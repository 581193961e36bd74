import { z } from 'zod';
import type { ScheduleSpec } from '../schedule/schema.ts';

/**
 * Tasks as the scheduler, its stores and its channels see them (snake_case, like the wire form,
 * so a task read from a store or sent over a channel needs no mapping).
 */

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** `active` fires; `paused` keeps its place without firing; `completed` has no fire left; `cancelled` was stopped for good. */
export type TaskStatus = 'active' | 'paused' | 'completed' | 'cancelled';
export const TASK_STATUSES: readonly TaskStatus[] = ['active', 'paused', 'completed', 'cancelled'];

/** What a task calls. `kind` selects the executor; the executor validates the rest. */
export interface TaskTarget {
  readonly kind: string;
  readonly [field: string]: JsonValue | undefined;
}

export const misfirePolicySchema = z
  .strictObject({
    catch_up: z.enum(['latest', 'all', 'none']).optional().meta({
      description: "Missed fires: 'latest' runs once for the most recent, 'all' runs each, 'none' skips them.",
    }),
    grace_ms: z
      .number()
      .int()
      .min(0)
      .optional()
      .meta({ description: 'Missed fires older than this are skipped whatever catch_up says. Default: no limit.' }),
  })
  .meta({ id: 'MisfirePolicy' });

export const retryPolicySchema = z
  .strictObject({
    max_attempts: z
      .number()
      .int()
      .min(1)
      .max(100)
      .optional()
      .meta({ description: 'Attempts per fire, the first included. Default 3.' }),
    backoff_base_ms: z.number().int().min(0).max(86_400_000).optional().meta({
      description: 'Backoff before retry n is random in [0, min(cap, base × 2^(n-1))] (full jitter). Default 1000.',
    }),
    backoff_cap_ms: z.number().int().min(0).max(86_400_000).optional().meta({
      description: 'Upper bound of one backoff; a Retry-After may ask for longer, up to 1 hour. Default 60000.',
    }),
  })
  .refine(
    (r) => r.backoff_base_ms === undefined || r.backoff_cap_ms === undefined || r.backoff_cap_ms >= r.backoff_base_ms,
    {
      message: 'must not be less than backoff_base_ms',
      path: ['backoff_cap_ms'],
    },
  )
  .meta({ id: 'RetryPolicy' });

export const policiesSchema = z
  .strictObject({
    retry: retryPolicySchema.optional(),
    misfire: misfirePolicySchema.optional(),
    overlap: z.enum(['allow', 'skip', 'queue_one']).optional().meta({
      description:
        "A fire while the previous run still goes: 'allow' runs both, 'skip' drops it, 'queue_one' runs it after.",
    }),
  })
  .meta({ id: 'TaskPolicies' });

export type TaskPoliciesInput = z.input<typeof policiesSchema>;

/** Policies with every default filled in. */
export interface TaskPolicies {
  readonly retry: { readonly max_attempts: number; readonly backoff_base_ms: number; readonly backoff_cap_ms: number };
  readonly misfire: { readonly catch_up: 'latest' | 'all' | 'none'; readonly grace_ms: number | null };
  readonly overlap: 'allow' | 'skip' | 'queue_one';
}

export const DEFAULT_POLICIES: TaskPolicies = Object.freeze({
  retry: Object.freeze({ max_attempts: 3, backoff_base_ms: 1000, backoff_cap_ms: 60_000 }),
  misfire: Object.freeze({ catch_up: 'latest', grace_ms: null }),
  overlap: 'allow',
});

/**
 * Fills what `input` leaves out from `base`: the defaults for a new task, the current policies for
 * an update (so changing `overlap` keeps a task's retry settings).
 */
export function resolvePolicies(input: TaskPoliciesInput | undefined, base = DEFAULT_POLICIES): TaskPolicies {
  // Most tasks take the defaults: share one frozen object rather than keep a copy per task.
  if (input === undefined || Object.values(input).every((v) => v === undefined)) return base;
  return {
    retry: {
      max_attempts: input.retry?.max_attempts ?? base.retry.max_attempts,
      backoff_base_ms: input.retry?.backoff_base_ms ?? base.retry.backoff_base_ms,
      backoff_cap_ms: input.retry?.backoff_cap_ms ?? base.retry.backoff_cap_ms,
    },
    misfire: {
      catch_up: input.misfire?.catch_up ?? base.misfire.catch_up,
      grace_ms: input.misfire === undefined ? base.misfire.grace_ms : (input.misfire.grace_ms ?? null),
    },
    overlap: input.overlap ?? base.overlap,
  };
}

const deliverToSchema = z
  .array(z.string().min(1).max(64))
  .max(16)
  .meta({ description: "Result channels this task's results go to (by name). Default: every configured channel." });

/** A task id as clients may choose it (wire and in-process alike). */
export const taskIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'expected 1-128 characters: letters, digits, and . _ : - (not first)');

/** The shape of a new task; `schedule` and `target` are checked further by the schedule compiler and the executor. */
export const taskInputSchema = z
  .strictObject({
    task_id: taskIdSchema
      .optional()
      .meta({ description: 'Client-chosen id: sending the same task again with it is idempotent.' }),
    requester_id: z.string().min(1).max(128).meta({ description: 'Who asked; results are addressed to it.' }),
    schedule: z.unknown().meta({ description: 'A ScheduleInput (see the schedule schema).' }),
    target: z
      .looseObject({ kind: z.string().min(1).max(64) })
      .meta({ description: 'What to call; `kind` picks the executor.' }),
    policies: policiesSchema.optional(),
    deliver_to: deliverToSchema.optional(),
  })
  .meta({ id: 'TaskInput' });

/** A change to a task: each field given replaces the task's (policies merge, see resolvePolicies). */
export const taskPatchSchema = z
  .strictObject({
    schedule: z.unknown().optional().meta({ description: 'A new ScheduleInput; the task is re-planned from now.' }),
    target: z.looseObject({ kind: z.string().min(1).max(64) }).optional(),
    policies: policiesSchema.optional(),
    deliver_to: deliverToSchema.optional(),
  })
  .meta({ id: 'TaskPatch' });

/** A new task as {@link Scheduler.schedule} takes it. */
export interface TaskInput {
  /** Client-chosen id; sending the same task again with it returns the stored task instead of a duplicate. */
  readonly task_id?: string;
  readonly requester_id: string;
  /** A schedule in any accepted form: a ScheduleSpec, a crontab, a list of crontabs, or a compiled schedule's spec. */
  readonly schedule: unknown;
  readonly target: TaskTarget;
  readonly policies?: TaskPoliciesInput;
  /** Result channels (by name) this task's results go to. @default every configured channel */
  readonly deliver_to?: readonly string[];
}

/** A change to a stored task, as {@link Scheduler.update} takes it. */
export interface TaskPatch {
  /** A new schedule; the task's fires are re-planned from now and `limit` counts afresh. */
  readonly schedule?: unknown;
  readonly target?: TaskTarget;
  /** Merged into the task's policies: what is left out stays as it was. */
  readonly policies?: TaskPoliciesInput;
  readonly deliver_to?: readonly string[];
}

/** The outcome of one run, as emitted in the `result` event and kept as a task's `last_run`. */
export interface RunResult {
  readonly task_id: string;
  readonly requester_id: string;
  readonly run_id: string;
  /** `schedule` for a fire of the schedule, `manual` for {@link Scheduler.trigger}. */
  readonly trigger: 'schedule' | 'manual';
  /** The fire time this run is for (RFC 3339 UTC). */
  readonly scheduled_at: string;
  /** When the run started. */
  readonly fired_at: string;
  readonly finished_at: string;
  readonly attempts: number;
  readonly status: 'success' | 'failed';
  /** The HTTP status of the last attempt, for HTTP targets; null otherwise. */
  readonly http_status: number | null;
  /**
   * The target's answer as text (a function's return value, JSON-encoded unless it is a string;
   * an HTTP response body), cut at the executor's limit.
   */
  readonly content: string | null;
  /** True when `content` was cut. */
  readonly truncated: boolean;
  /** Why the run failed, when it did (network error, timeout, the function's error message). */
  readonly error: string | null;
}

/** A run started and not yet finished; kept in the task's record so a restart can run it again. */
export interface InFlightRun {
  readonly run_id: string;
  readonly scheduled_at: string;
  readonly trigger: RunResult['trigger'];
}

/** A task as stored and returned. Records are immutable snapshots: every change writes a new one. */
export interface TaskRecord {
  readonly id: string;
  readonly requester_id: string;
  /** The normalised schedule (`every.from` filled in), so that recompiling it gives the same fires. */
  readonly schedule: Readonly<ScheduleSpec>;
  readonly target: TaskTarget;
  readonly policies: TaskPolicies;
  readonly status: TaskStatus;
  readonly created_at: string;
  readonly updated_at: string;
  /** The next fire (RFC 3339 UTC), or null when none is left or the task is cancelled. */
  readonly next_fire_at: string | null;
  /**
   * Fires of the schedule used up so far, what `limit` counts: the runs dispatched, plus the fires
   * between the schedule's beginning and the task's creation (they count, but never run).
   */
  readonly fire_count: number;
  readonly last_run: RunResult | null;
  /**
   * Runs started and not finished. After a crash they run again, with the same run id and
   * idempotency key, so a target sees at most a duplicate of an attempt that was in flight.
   */
  readonly in_flight: readonly InFlightRun[];
  /** With a client-chosen `task_id`: hash of the creating request, to tell a retry from a conflicting id. */
  readonly request_hash: string | null;
  /** Result channels this task's results go to; absent: every configured channel. */
  readonly deliver_to?: readonly string[];
}

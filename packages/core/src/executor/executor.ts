import type { ValidationIssue } from '../errors.ts';
import type { TaskRecord, TaskTarget } from '../scheduler/task.ts';

/** What an executor is told about the run it performs. */
export interface RunContext {
  readonly task: TaskRecord;
  readonly run_id: string;
  /** The fire time this run is for (ms since the epoch). */
  readonly scheduled_at: number;
  readonly attempt: number;
  /** `<task_id>:<scheduled_at>`: the same for every attempt of one occurrence, so targets can de-duplicate. */
  readonly idempotency_key: string;
  /**
   * Aborted when the scheduler is stopped with runs still going past its deadline. One signal is
   * shared by every run of a scheduler (an AbortController per run costs more than a burst can
   * afford), so an executor that adds a listener per attempt must remove it when the attempt ends.
   */
  readonly signal: AbortSignal;
}

/** How one attempt ended. `success` is the target's verdict (for HTTP: a 2xx). */
export interface ExecutionOutcome {
  readonly status: 'success' | 'failed';
  /** The target's answer as text, cut at the executor's limit (see `truncated`). */
  readonly content: string | null;
  /** Why the attempt failed when the target gave no answer (network error, timeout), or a summary. */
  readonly error: string | null;
  /** The HTTP status, for targets that have one. */
  readonly http_status?: number | null;
  /** True when `content` was cut at the executor's size limit. */
  readonly truncated?: boolean;
  /**
   * A failed attempt that may succeed if tried again (network error, timeout, HTTP 408, 429, 5xx).
   * The task's retry policy decides whether and when.
   */
  readonly retryable?: boolean;
  /** The target asked to wait this long before trying again (HTTP Retry-After), in ms. */
  readonly retry_after_ms?: number;
}

/**
 * Performs the attempts of one kind of target (`function`, `http`, …). Core ships the function
 * executor; adapters add others. An executor never throws from `execute`: a failure of the
 * target is an outcome, reported to the requester.
 */
export interface Executor {
  /** The `target.kind` this executor handles. */
  readonly kind: string;
  /** Checks a target when a task is created; paths are relative to the target (`name`, `uri`). */
  validate(target: TaskTarget): readonly ValidationIssue[];
  /**
   * Whether the executor may call a valid target at all (a policy, not a shape: an HTTP target's
   * host against an allow-list, after DNS), checked after `validate` when a task is created or its
   * target changed, before it is stored. Asynchronous because it may look things up, which
   * `validate` must not. An empty list admits the target; otherwise the Scheduler refuses the task
   * with TargetForbiddenError, the paths prefixed with `target.`. Optional: without it every valid
   * target is admitted. The executor should check again when it performs an attempt.
   */
  admit?(target: TaskTarget): Promise<readonly ValidationIssue[]>;
  /** Performs one attempt. Never rejects for a target's failure: that is an outcome. */
  execute(target: TaskTarget, context: RunContext): Promise<ExecutionOutcome>;
  /**
   * Releases connections and the like. The Scheduler does not own the executors it is given and
   * never calls this: whoever made the executor closes it, after `scheduler.stop()`.
   */
  close?(): Promise<void>;
}

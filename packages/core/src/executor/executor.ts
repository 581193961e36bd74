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
  /** Aborted when the scheduler is stopped with runs still going past its deadline. */
  readonly signal: AbortSignal;
}

/** How a run ended. `success` is the target's verdict (for HTTP: a 2xx). */
export interface ExecutionOutcome {
  readonly status: 'success' | 'failed';
  readonly content: string | null;
  readonly error: string | null;
  readonly attempts?: number;
}

/**
 * Performs the runs of one kind of target (`function`, `http`, …). Core ships the function
 * executor; adapters add others. An executor never throws from `execute`: a failure of the
 * target is an outcome, reported to the requester.
 */
export interface Executor {
  /** The `target.kind` this executor handles. */
  readonly kind: string;
  /** Checks a target when a task is created; paths are relative to the target (`name`, `uri`). */
  validate(target: TaskTarget): readonly ValidationIssue[];
  execute(target: TaskTarget, context: RunContext): Promise<ExecutionOutcome>;
}

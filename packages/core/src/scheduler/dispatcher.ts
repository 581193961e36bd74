import type { ExecutionOutcome, Executor, RunContext } from '../executor/executor.ts';
import { formatInstant } from '../schedule/instant.ts';
import type { Clock } from '../timing/clock.ts';
import type { RunResult } from './task.ts';
import type { TaskRuntime } from './task-runtime.ts';

interface Occurrence {
  readonly runtime: TaskRuntime;
  readonly scheduledAt: number;
  readonly trigger: RunResult['trigger'];
  readonly runId: string;
}

export interface DispatcherHooks {
  onDispatch(occurrence: { runtime: TaskRuntime; runId: string; scheduledAt: number; firedAt: number }): void;
  onResult(runtime: TaskRuntime, result: RunResult): void;
  onOverlapSkipped(runtime: TaskRuntime, scheduledAt: number): void;
}

/**
 * Starts runs: applies the task's overlap policy, holds runs beyond the concurrency limit in a
 * FIFO, hands each run to the executor of its target kind, and reports the result.
 */
export class Dispatcher {
  private readonly clock: Clock;
  private readonly executors: ReadonlyMap<string, Executor>;
  private readonly concurrency: number;
  private readonly newId: () => string;
  private readonly hooks: DispatcherHooks;
  /** One controller for all runs: aborted only by a forced stop, so no allocation per run. */
  private readonly abort = new AbortController();
  private readonly waiting: Occurrence[] = [];
  private waitingHead = 0;
  private running = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(options: {
    clock: Clock;
    executors: ReadonlyMap<string, Executor>;
    concurrency: number;
    newId: () => string;
    hooks: DispatcherHooks;
  }) {
    this.clock = options.clock;
    this.executors = options.executors;
    this.concurrency = options.concurrency;
    this.newId = options.newId;
    this.hooks = options.hooks;
  }

  /** Runs in flight plus runs waiting for a slot. */
  get pending(): number {
    return this.running + this.waiting.length - this.waitingHead;
  }

  /**
   * Offers a fire of `runtime`. Returns the run id, or null when the overlap policy drops it
   * (a `queue_one` fire held for later returns null too; it runs when the current run ends).
   */
  offer(runtime: TaskRuntime, scheduledAt: number, trigger: RunResult['trigger']): string | null {
    if (trigger === 'schedule' && runtime.active > 0) {
      const overlap = runtime.record.policies.overlap;
      if (overlap === 'skip' || (overlap === 'queue_one' && runtime.queued !== null)) {
        this.hooks.onOverlapSkipped(runtime, scheduledAt);
        return null;
      }
      if (overlap === 'queue_one') {
        runtime.queued = scheduledAt;
        return null;
      }
    }
    const occurrence: Occurrence = { runtime, scheduledAt, trigger, runId: this.newId() };
    runtime.active++;
    if (this.running < this.concurrency) this.start(occurrence);
    else this.waiting.push(occurrence);
    return occurrence.runId;
  }

  /** Resolves when no run is in flight or waiting, or after `timeoutMs`; then aborts what is left. */
  async drain(timeoutMs: number): Promise<void> {
    if (this.pending > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
    }
    if (this.pending > 0) this.abort.abort(new Error('the scheduler stopped before the run finished'));
  }

  private start(occurrence: Occurrence): void {
    this.running++;
    const { runtime, scheduledAt, runId } = occurrence;
    const firedAt = this.clock.now();
    this.hooks.onDispatch({ runtime, runId, scheduledAt, firedAt });
    const task = runtime.record;
    const executor = this.executors.get(task.target.kind);
    const context: RunContext = {
      task,
      run_id: runId,
      scheduled_at: scheduledAt,
      attempt: 1,
      idempotency_key: `${task.id}:${formatInstant(scheduledAt)}`,
      signal: this.abort.signal,
    };
    const outcome: Promise<ExecutionOutcome> = executor
      ? executor.execute(task.target, context)
      : Promise.resolve({
          status: 'failed',
          content: null,
          error: `no executor for target kind '${task.target.kind}'`,
        });
    outcome.then(
      (result) => this.finish(occurrence, firedAt, result),
      (error: unknown) =>
        this.finish(occurrence, firedAt, {
          status: 'failed',
          content: null,
          error: `executor failed: ${error instanceof Error ? error.message : String(error)}`,
        }),
    );
  }

  private finish(occurrence: Occurrence, firedAt: number, outcome: ExecutionOutcome): void {
    const { runtime, scheduledAt, runId, trigger } = occurrence;
    this.running--;
    runtime.active--;
    const task = runtime.record;
    this.hooks.onResult(runtime, {
      task_id: task.id,
      requester_id: task.requester_id,
      run_id: runId,
      trigger,
      scheduled_at: formatInstant(scheduledAt),
      fired_at: formatInstant(firedAt),
      finished_at: formatInstant(this.clock.now()),
      attempts: outcome.attempts ?? 1,
      status: outcome.status,
      content: outcome.content,
      error: outcome.error,
    });
    if (runtime.queued !== null && runtime.active === 0) {
      const queued = runtime.queued;
      runtime.queued = null;
      this.offer(runtime, queued, 'schedule');
    }
    this.startWaiting();
    if (this.pending === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private startWaiting(): void {
    while (this.running < this.concurrency && this.waitingHead < this.waiting.length) {
      const next = this.waiting[this.waitingHead++] as Occurrence;
      // A task cancelled while its run waited for a slot does not run.
      if (next.runtime.record.status === 'cancelled') next.runtime.active--;
      else this.start(next);
    }
    if (this.waitingHead === this.waiting.length) {
      this.waiting.length = 0;
      this.waitingHead = 0;
    }
  }
}

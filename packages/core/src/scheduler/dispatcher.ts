import type { ExecutionOutcome, Executor, RunContext } from '../executor/executor.ts';
import { FunctionExecutor } from '../executor/function-executor.ts';
import { formatInstant } from '../schedule/instant.ts';
import type { Clock, TimerHandle } from '../timing/clock.ts';
import { retryDelay } from './retry.ts';
import type { RunResult } from './task.ts';
import type { TaskRuntime } from './task-runtime.ts';

/** One fire (or manual trigger) of a task, across its attempts. */
export class Occurrence {
  readonly runtime: TaskRuntime;
  readonly scheduledAt: number;
  /** `scheduledAt` as RFC 3339, formatted once: it goes into every attempt's key and the result. */
  readonly scheduledAtText: string;
  readonly trigger: RunResult['trigger'];
  readonly runId: string;
  /** Set when the first attempt starts. */
  firedAt = 0;
  attempt = 0;
  /** The outcome of an attempt that ended synchronously, until the dispatcher takes it. */
  outcome: ExecutionOutcome | null = null;

  constructor(
    runtime: TaskRuntime,
    scheduledAt: number,
    scheduledAtText: string,
    trigger: RunResult['trigger'],
    runId: string,
  ) {
    this.runtime = runtime;
    this.scheduledAt = scheduledAt;
    this.scheduledAtText = scheduledAtText;
    this.trigger = trigger;
    this.runId = runId;
  }
}

export interface DispatcherHooks {
  /** An attempt is about to start. */
  onDispatch(occurrence: Occurrence): void;
  /** The run's last attempt ended. */
  onResult(runtime: TaskRuntime, result: RunResult): void;
  /** The overlap policy dropped a fire. */
  onOverlapSkipped(runtime: TaskRuntime, scheduledAt: number): void;
}

/**
 * Starts runs: applies the task's overlap policy, holds attempts beyond the concurrency limit in a
 * FIFO, hands each attempt to the executor of its target kind, retries per the task's retry policy
 * (a run waiting for its next attempt gives its slot back), and reports each run's result once.
 */
export class Dispatcher {
  private readonly clock: Clock;
  private readonly executors: ReadonlyMap<string, Executor>;
  private readonly concurrency: number;
  private readonly newId: (now: number) => string;
  private readonly hooks: DispatcherHooks;
  /** One controller for all runs: aborted only by stop() past its deadline, so no allocation per run. */
  private readonly abort = new AbortController();
  /** `abort.signal`, read once: Node's getter checks its receiver on every read, once per run. */
  private readonly signal: AbortSignal;
  /** The built-in function executor, unless another executor took the `function` kind. */
  private readonly functions: FunctionExecutor | undefined;
  private readonly waiting: Occurrence[] = [];
  private waitingHead = 0;
  private running = 0;
  private readonly retrying = new Map<Occurrence, TimerHandle>();
  /** overlap `queue_one`: per task, the fire waiting for its current run to end (its run id is taken). */
  private readonly queued = new Map<TaskRuntime, Occurrence>();
  /** Attempts that ended synchronously (plain functions), finished together in one microtask. */
  private ended: Occurrence[] = [];
  private readonly finishEnded = () => this.finishEndedAttempts();
  private idleWaiters: (() => void)[] = [];
  private stopping = false;

  constructor(options: {
    clock: Clock;
    executors: ReadonlyMap<string, Executor>;
    concurrency: number;
    /** Makes a run id, given the current time. */
    newId: (now: number) => string;
    hooks: DispatcherHooks;
  }) {
    this.clock = options.clock;
    this.executors = options.executors;
    this.concurrency = options.concurrency;
    this.newId = options.newId;
    this.hooks = options.hooks;
    this.signal = this.abort.signal;
    const functions = options.executors.get('function');
    this.functions = functions instanceof FunctionExecutor ? functions : undefined;
  }

  /** Attempts running or waiting for a slot. */
  get pending(): number {
    return this.running + this.waiting.length - this.waitingHead;
  }

  /** What the dispatcher holds now, for metrics. */
  counts(): { readonly running: number; readonly waiting: number; readonly retrying: number } {
    return { running: this.running, waiting: this.waiting.length - this.waitingHead, retrying: this.retrying.size };
  }

  /**
   * Offers a fire of `runtime`. Returns its run id, or null when the overlap policy drops it. A
   * `queue_one` fire held until the current run ends gets its id now. `recovered` runs (in flight
   * at a crash) bypass the overlap policy: they were accepted before. `now`: the current time when
   * the caller has just read it (the Scheduler's fire loop does, every few dozen fires).
   */
  offer(
    runtime: TaskRuntime,
    scheduledAt: number,
    trigger: RunResult['trigger'],
    scheduledAtText: string,
    runId?: string,
    recovered = false,
    now = this.clock.now(),
  ): string | null {
    if (trigger === 'schedule' && !recovered && runtime.active > 0) {
      const overlap = runtime.settled.policies.overlap;
      if (overlap === 'skip' || (overlap === 'queue_one' && this.queued.has(runtime))) {
        this.hooks.onOverlapSkipped(runtime, scheduledAt);
        return null;
      }
      if (overlap === 'queue_one') {
        const occurrence = new Occurrence(runtime, scheduledAt, scheduledAtText, trigger, runId ?? this.newId(now));
        this.queued.set(runtime, occurrence);
        return occurrence.runId;
      }
    }
    const occurrence = new Occurrence(runtime, scheduledAt, scheduledAtText, trigger, runId ?? this.newId(now));
    runtime.active++;
    this.enqueue(occurrence, now);
    return occurrence.runId;
  }

  /**
   * Stops retrying (runs waiting for a retry stay unfinished: their tasks keep them in flight for the
   * next start), waits up to `timeoutMs` for attempts in progress, then aborts them through their
   * signal; an aborted attempt is not reported either, for the same reason.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.stopping = true;
    for (const timer of this.retrying.values()) this.clock.clearTimer(timer);
    this.retrying.clear();
    this.waiting.length = 0;
    this.waitingHead = 0;
    if (this.running > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
    }
    if (this.running > 0) this.abort.abort(new Error('the scheduler stopped before the run finished'));
  }

  /** `now`: the current time, when the caller has just read it. */
  private enqueue(occurrence: Occurrence, now = -1): void {
    if (this.running < this.concurrency) this.start(occurrence, now < 0 ? this.clock.now() : now);
    else this.waiting.push(occurrence);
  }

  private start(occurrence: Occurrence, now: number): void {
    this.running++;
    occurrence.attempt++;
    if (occurrence.attempt === 1) occurrence.firedAt = now;
    this.hooks.onDispatch(occurrence);
    const task = occurrence.runtime.record;
    const target = task.target;
    const context: RunContext = {
      task,
      run_id: occurrence.runId,
      scheduled_at: occurrence.scheduledAt,
      attempt: occurrence.attempt,
      idempotency_key: `${task.id}:${occurrence.scheduledAtText}`,
      signal: this.signal,
    };
    const functions = this.functions;
    if (functions !== undefined && target.kind === 'function') {
      const outcome = functions.runNow(target, context);
      if (!(outcome instanceof Promise)) {
        // The function has returned: its slot is free at once, so the next fire (or a waiting run)
        // starts in this same turn rather than after the results of the runs before it (burst of
        // 10,000 with the default concurrency of 100: 61-66 → 32-37 ms on a loaded machine, the
        // same main-thread CPU as with concurrency 10,000). Its outcome is finished as a
        // promise would have: after this turn's synchronous work, but in one microtask for all of
        // them, without an async call, a promise and two closures per run.
        this.running--;
        occurrence.outcome = outcome;
        if (this.ended.push(occurrence) === 1) queueMicrotask(this.finishEnded);
        return;
      }
      this.await(occurrence, outcome);
      return;
    }
    const executor = this.executors.get(target.kind);
    this.await(
      occurrence,
      executor
        ? executor.execute(target, context)
        : Promise.resolve({
            status: 'failed',
            content: null,
            error: `no executor for target kind '${target.kind}'`,
          }),
    );
  }

  private await(occurrence: Occurrence, outcome: Promise<ExecutionOutcome>): void {
    outcome.then(
      (result) => this.finishAttempt(occurrence, result),
      (error: unknown) =>
        this.finishAttempt(occurrence, {
          status: 'failed',
          content: null,
          error: `executor failed: ${error instanceof Error ? error.message : String(error)}`,
        }),
    );
  }

  /** Finishes the attempts that ended synchronously, including those their finishing starts. */
  private finishEndedAttempts(): void {
    const ended = this.ended;
    for (let i = 0; i < ended.length; i++) {
      const occurrence = ended[i] as Occurrence;
      const outcome = occurrence.outcome as ExecutionOutcome;
      occurrence.outcome = null;
      this.settleAttempt(occurrence, outcome);
    }
    this.ended = [];
  }

  private finishAttempt(occurrence: Occurrence, outcome: ExecutionOutcome): void {
    this.running--;
    this.settleAttempt(occurrence, outcome);
  }

  /** After an attempt ended and gave its slot back: retries it, or reports the run's result. */
  private settleAttempt(occurrence: Occurrence, outcome: ExecutionOutcome): void {
    // An attempt aborted by stop(), or one that would be retried after it, stays in flight: the
    // task keeps the run and the next start runs it again (see drain()).
    const delay = retryDelay(occurrence.attempt, outcome, occurrence.runtime.settled.policies.retry);
    if (this.abort.signal.aborted || (this.stopping && delay >= 0)) {
      this.notifyIfIdle();
      return;
    }
    if (delay >= 0) {
      const timer = this.clock.setTimer(() => {
        this.retrying.delete(occurrence);
        this.enqueue(occurrence);
      }, delay);
      this.retrying.set(occurrence, timer);
    } else {
      this.finishRun(occurrence, outcome);
    }
    if (!this.stopping) this.startWaiting();
    this.notifyIfIdle();
  }

  private finishRun(occurrence: Occurrence, outcome: ExecutionOutcome): void {
    const { runtime, scheduledAtText, runId, trigger } = occurrence;
    runtime.active--;
    const task = runtime.settled;
    this.hooks.onResult(runtime, {
      task_id: task.id,
      requester_id: task.requester_id,
      run_id: runId,
      trigger,
      scheduled_at: scheduledAtText,
      fired_at: formatInstant(occurrence.firedAt),
      finished_at: formatInstant(this.clock.now()),
      attempts: occurrence.attempt,
      status: outcome.status,
      http_status: outcome.http_status ?? null,
      content: outcome.content,
      truncated: outcome.truncated ?? false,
      error: outcome.error,
    });
    const queued = this.queued.get(runtime);
    if (queued !== undefined && runtime.active === 0) {
      this.queued.delete(runtime);
      runtime.active++;
      this.enqueue(queued);
    }
  }

  private startWaiting(): void {
    while (this.running < this.concurrency && this.waitingHead < this.waiting.length) {
      // A run accepted before its task was cancelled still runs: cancel lets runs in flight finish.
      this.start(this.waiting[this.waitingHead++] as Occurrence, this.clock.now());
    }
    if (this.waitingHead === this.waiting.length) {
      this.waiting.length = 0;
      this.waitingHead = 0;
    }
  }

  private notifyIfIdle(): void {
    if (this.running > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

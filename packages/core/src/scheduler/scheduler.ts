import { EventEmitter } from 'node:events';
import { OutboxRelay } from '../delivery/outbox-relay.ts';
import { SchedulerNotRunningError, TaskConflictError, TaskNotActiveError, TaskNotFoundError } from '../errors.ts';
import type { Executor } from '../executor/executor.ts';
import { FunctionExecutor, type TaskFunction } from '../executor/function-executor.ts';
import { type CompiledSchedule, compileSchedule } from '../schedule/compile.ts';
import { formatInstant } from '../schedule/instant.ts';
import type { RunPage, RunQuery, TaskPage, TaskQuery } from '../store/task-store.ts';
import { TimerQueue } from '../timing/timer-queue.ts';
import { Dispatcher, type Occurrence } from './dispatcher.ts';
import type { SchedulerEventMap, SchedulerStats } from './events.ts';
import { planDueFires } from './fire-plan.ts';
import { type ResolvedSchedulerOptions, resolveSchedulerOptions, type SchedulerOptions } from './options.ts';
import type { InFlightRun, RunResult, TaskInput, TaskPatch, TaskRecord } from './task.ts';
import {
  acceptPatch,
  acceptTask,
  admitTarget,
  checkRunQuery,
  checkTaskQuery,
  type IntakeContext,
  noFireLeft,
} from './task-intake.ts';
import { TaskRegistry } from './task-registry.ts';
import { NO_RUNS, TaskRuntime, withRun } from './task-runtime.ts';
import { TaskWriter } from './task-writer.ts';

type State = 'stopped' | 'starting' | 'running' | 'stopping';

/**
 * The longest one event-loop turn fires due tasks (see Scheduler.fireDue) before it lets I/O and
 * timers run: a burst of 10,000 synchronous functions takes 9-20 ms here.
 */
const FIRE_TURN_BUDGET_MS = 50;

/**
 * The in-process scheduler: holds tasks, fires each at its schedule's instants, and reports every
 * run's outcome as a `result` event (and to the configured result channels, through the store's
 * outbox).
 *
 * One timer drives all tasks (a min-heap of next fires, see TimerQueue), so a million pending tasks
 * cost a million heap entries, not a million timers. Every change to a task is written to the
 * store before the call that made it resolves. A run's start is recorded in its task (`in_flight`)
 * and its result in the store before the mark is cleared, so after a crash every run that had
 * started runs again with the same idempotency key: delivery is at least once.
 *
 * @example
 * ```ts
 * const scheduler = new Scheduler();
 * scheduler.register('report', async ({ team }) => `sent to ${team}`);
 * scheduler.on('result', (r) => console.log(r.status, r.content));
 * await scheduler.start();
 * await scheduler.schedule({
 *   requester_id: 'billing',
 *   schedule: union(weekly('THU', '17:00')).in('Europe/London'),
 *   target: { kind: 'function', name: 'report', parameters: { team: 'ops' } },
 * });
 * ```
 */
export class Scheduler extends EventEmitter<SchedulerEventMap> {
  private readonly options: ResolvedSchedulerOptions;
  private readonly functions = new FunctionExecutor();
  private readonly intake: IntakeContext;
  /**
   * Every task held in memory (see TaskRegistry). A finished task leaves once its last record is
   * written, and then lazily: in CPU profiles of a burst, moving each fired one-shot task between
   * two maps took 8-10 % of the time, and deleting each from the map as its result was written
   * about a quarter (default concurrency).
   */
  private readonly runtimes = new TaskRegistry();
  private readonly timers: TimerQueue<TaskRuntime>;
  private readonly writer: TaskWriter;
  private readonly relay: OutboxRelay;
  /** Made at each start: a stopped dispatcher has aborted its runs for good. */
  private dispatcher: Dispatcher;
  private state: State = 'stopped';
  private transition: Promise<void> | null = null;
  /** Results being written; stop() waits until none is. */
  private recording = 0;
  private recordingDone: (() => void) | null = null;

  constructor(options: SchedulerOptions = {}) {
    super();
    this.options = resolveSchedulerOptions(options);
    const { clock, store, channels } = this.options;
    this.intake = {
      executors: new Map<string, Executor>([
        ['function', this.functions],
        ...this.options.executors.map((e): [string, Executor] => [e.kind, e]),
      ]),
      channels: channels.map((c) => c.name),
      defaultTimezone: this.options.defaultTimezone,
    };
    this.timers = new TimerQueue<TaskRuntime>(clock, {
      onDue: (now) => this.fireDue(now),
      onPremature: (expected_at, now) => this.emit('timer-premature', { expected_at, now }),
      onOverdue: (expected_at, now) => this.emit('timer-overdue', { expected_at, now }),
    });
    this.writer = new TaskWriter(store, () => formatInstant(clock.now()), {
      onError: (error) => this.fail(error),
      onWritten: (runtimes) => {
        for (const runtime of runtimes) this.runtimes.release(runtime);
      },
    });
    this.relay = new OutboxRelay({
      store,
      channels,
      clock,
      onError: (e) => this.fail(e),
      onRetry: (retry) => this.emit('delivery-retry', retry),
    });
    this.dispatcher = this.newDispatcher();
  }

  /** The zone of schedules that name none. */
  get defaultTimezone(): string {
    return this.options.defaultTimezone;
  }

  /** True between start() and stop(). */
  get running(): boolean {
    return this.state === 'running';
  }

  /** Registers a function that `function` targets can name. Names survive restarts; register them before start(). */
  register(name: string, fn: TaskFunction): this {
    this.functions.register(name, fn);
    return this;
  }

  /**
   * Loads every task from the store, runs again the runs a previous process left in flight,
   * applies the misfire policy to fires missed while down, and starts firing. Idempotent.
   */
  async start(): Promise<void> {
    if (this.state === 'running') return;
    if (this.transition) {
      await this.transition;
      return this.start();
    }
    this.state = 'starting';
    this.dispatcher = this.newDispatcher();
    this.transition = this.restore().then(
      () => {
        this.state = 'running';
        this.timers.start();
      },
      (error: unknown) => {
        this.state = 'stopped';
        throw error;
      },
    );
    try {
      await this.transition;
    } finally {
      this.transition = null;
    }
  }

  /**
   * Stops firing, lets runs in progress finish for up to `timeoutMs`, then aborts them through their
   * signal, and waits for store writes. Runs that did not finish (aborted, or waiting to retry) stay
   * in flight in the store and run again at the next start. Idempotent.
   */
  async stop(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.state === 'stopped') return;
    if (this.transition) {
      await this.transition;
      return this.stop(options);
    }
    this.state = 'stopping';
    this.timers.stop();
    this.transition = (async () => {
      await this.dispatcher.drain(options.timeoutMs ?? this.options.stopTimeoutMs);
      if (this.recording > 0) await new Promise<void>((resolve) => (this.recordingDone = resolve));
      await this.relay.stop();
      await this.writer.settle();
      for (const runtime of this.runtimes.values()) this.timers.remove(runtime);
      this.runtimes.clear();
      this.state = 'stopped';
    })();
    try {
      await this.transition;
    } finally {
      this.transition = null;
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /**
   * Validates and stores a new task; resolves with its record once the store has it. Sending the
   * same task again with the same `task_id` resolves with the stored task.
   * @throws InvalidArgumentError, ScheduleValidationError (paths start at the task: `schedule.rules[0].cron`),
   *   TargetForbiddenError (the target's executor refuses to call it, see `Executor.admit`),
   *   TaskConflictError (the `task_id` names a different task), StoreError
   */
  async schedule(input: TaskInput): Promise<TaskRecord> {
    const now = this.options.clock.now();
    const task = acceptTask(input, this.intake, now);
    if (task.taskId !== undefined) {
      // Memory only: a stored task that is not held here is found by the insert's conflict below.
      // A store read first would wait for the store's open transaction, then the insert for the
      // next one: measured over AMQP (every request has a key), it halved registrations per second.
      const existing = this.runtimes.get(task.taskId)?.record;
      if (existing) return this.sameRequest(existing, task.requestHash);
    }
    if (task.first < 0) {
      // A retry of a task that has since completed: the store has it.
      const stored = task.taskId === undefined ? undefined : await this.findRecord(task.taskId);
      if (stored) return this.sameRequest(stored, task.requestHash);
      throw noFireLeft(now);
    }
    // Last of the checks, as it may wait on DNS: a retry answered above does not look anything up.
    await admitTarget(task.target, this.intake);
    const { compiled, first } = task;
    // formatInstant remembers recent instants: tasks created in the same ms share one string.
    const createdAt = formatInstant(now);
    const fields: TaskRecord = {
      id: task.taskId ?? this.options.newId(),
      requester_id: task.requesterId,
      schedule: compiled.spec,
      target: task.target,
      policies: task.policies,
      status: 'active',
      created_at: createdAt,
      updated_at: createdAt,
      next_fire_at: formatInstant(first),
      fire_count: task.firedBefore,
      last_run: null,
      in_flight: NO_RUNS,
      request_hash: task.requestHash,
    };
    // A literal with a conditional spread got room for more fields: 8 bytes per task (measured).
    const record = Object.freeze(
      input.deliver_to === undefined ? fields : { ...fields, deliver_to: [...input.deliver_to] },
    );
    try {
      await this.options.store.insert(record);
    } catch (error) {
      const existing = error instanceof TaskConflictError ? await this.findRecord(record.id) : undefined;
      if (existing) return this.sameRequest(existing, task.requestHash);
      throw error;
    }
    return this.addRuntime(record, compiled, first).record;
  }

  /**
   * Changes an active or paused task's schedule, target, policies or result channels; resolves once
   * the change is stored. A new schedule is planned from now at once (its `limit` counts afresh);
   * runs in flight finish as they started.
   * @throws InvalidArgumentError, ScheduleValidationError (also when the new schedule has no fire
   *   left), TargetForbiddenError, TaskNotFoundError, TaskNotActiveError (completed or cancelled), StoreError
   */
  async update(id: string, patch: TaskPatch): Promise<TaskRecord> {
    const runtime = await this.schedulable(id, 'update');
    const now = this.options.clock.now();
    const { fields, schedule } = acceptPatch(patch, runtime.record, this.intake, now);
    if (fields.target !== undefined) {
      await admitTarget(fields.target, this.intake);
      // Other calls ran during the lookup: if the task was cancelled or completed meanwhile, start
      // again, which throws TaskNotActiveError (or, after a restart, works on the restored task).
      if (this.runtimes.schedulable(id) !== runtime) return this.update(id, patch);
    }
    if (schedule === undefined) return this.writer.change(runtime, fields);
    if (schedule.first < 0) throw noFireLeft(now);
    const active = runtime.record.status === 'active';
    const previous = runtime.compiled;
    runtime.compiled = schedule.compiled;
    let record: TaskRecord;
    try {
      record = await this.writer.change(runtime, {
        ...fields,
        next_fire_at: active ? formatInstant(schedule.first) : null,
      });
    } catch (error) {
      runtime.compiled = previous;
      throw error;
    }
    // Still active? A cancel or pause may have won the race while the change was being written.
    if (active && this.runtimes.get(id) === runtime && runtime.record.status === 'active') {
      this.unplan(runtime);
      this.plan(runtime, schedule.first);
    }
    return record;
  }

  /** The task's current record. @throws TaskNotFoundError */
  async get(id: string): Promise<TaskRecord> {
    const record = await this.findRecord(id);
    if (!record) throw new TaskNotFoundError(id);
    return record;
  }

  /** Tasks by requester and/or status, a page at a time (see TaskQuery). */
  async list(query: TaskQuery = {}): Promise<TaskPage> {
    checkTaskQuery(query);
    const page = await this.options.store.list(query);
    return { ...page, tasks: page.tasks.map((t) => this.runtimes.get(t.id)?.record ?? t) };
  }

  /** A task's finished runs, newest first (the newest `runRetention` are kept). @throws TaskNotFoundError */
  async runs(id: string, query: RunQuery = {}): Promise<RunPage> {
    checkRunQuery(query);
    await this.get(id);
    return this.options.store.listRuns(id, query);
  }

  /** Stops a task for good; its runs in flight finish. Cancelling a cancelled task is a no-op. */
  async cancel(id: string): Promise<TaskRecord> {
    const runtime = this.runtimes.schedulable(id);
    if (!runtime) {
      const record = await this.get(id);
      if (record.status === 'cancelled') return record;
      throw new TaskNotActiveError(id, record.status, 'cancel');
    }
    const record = await this.writer.change(runtime, { status: 'cancelled', next_fire_at: null });
    this.unplan(runtime);
    this.runtimes.release(runtime);
    return record;
  }

  /** Keeps the task without firing it; fires due while paused are skipped. Pausing a paused task is a no-op. */
  async pause(id: string): Promise<TaskRecord> {
    const runtime = await this.schedulable(id, 'pause');
    if (runtime.record.status === 'paused') return runtime.record;
    const record = await this.writer.change(runtime, { status: 'paused', next_fire_at: null });
    this.unplan(runtime);
    return record;
  }

  /** Fires the task again from now on. Resuming an active task is a no-op. */
  async resume(id: string): Promise<TaskRecord> {
    const runtime = await this.schedulable(id, 'resume');
    if (runtime.record.status === 'active') return runtime.record;
    const next = runtime.compiled.nextInstant(this.options.clock.now() - 1, runtime.record.fire_count);
    const record = await this.writer.change(runtime, {
      status: next < 0 ? 'completed' : 'active',
      next_fire_at: next < 0 ? null : formatInstant(next),
    });
    if (next < 0) this.runtimes.release(runtime);
    else this.plan(runtime, next);
    return record;
  }

  /**
   * Runs the task now, outside its schedule (it does not count towards `limit` and ignores the
   * overlap policy). Resolves once the run is recorded as in flight; its result arrives as a
   * `result` event with `trigger: 'manual'`.
   * @throws SchedulerNotRunningError, TaskNotFoundError, TaskNotActiveError (cancelled)
   */
  async trigger(id: string): Promise<{ run_id: string }> {
    if (this.state !== 'running') throw new SchedulerNotRunningError('trigger a task');
    const known = this.runtimes.get(id);
    const record = known?.record ?? (await this.get(id));
    if (record.status === 'cancelled') throw new TaskNotActiveError(id, 'cancelled', 'trigger');
    const runtime = known ?? this.runtimes.get(id) ?? this.detach(record);
    const now = this.options.clock.now();
    const runId = this.options.newId();
    const scheduledAtText = formatInstant(now);
    await this.writer.change(runtime, {
      in_flight: [...runtime.record.in_flight, { run_id: runId, scheduled_at: scheduledAtText, trigger: 'manual' }],
    });
    this.dispatcher.offer(runtime, now, 'manual', scheduledAtText, runId);
    return { run_id: runId };
  }

  /** Counts of what the scheduler holds in memory now, cheap enough for every metrics scrape. */
  stats(): SchedulerStats {
    let active = 0;
    let paused = 0;
    for (const runtime of this.runtimes.values()) {
      const status = runtime.record.status;
      if (status === 'active') active++;
      else if (status === 'paused') paused++;
    }
    return {
      tasks: { active, paused },
      runs: this.dispatcher.counts(),
      undelivered_results: this.relay.undelivered,
    };
  }

  /** The task's next `count` fires from now, given its state and how often it has fired. */
  async upcoming(id: string, count = 5): Promise<Date[]> {
    const runtime = this.runtimes.get(id);
    if (!runtime || runtime.nextAt < 0) {
      await this.get(id);
      return [];
    }
    const { compiled } = runtime;
    const out: Date[] = [];
    let fired = runtime.record.fire_count;
    for (let t = runtime.nextAt; t >= 0 && out.length < count; t = compiled.nextInstant(t, fired)) {
      out.push(new Date(t));
      if (compiled.countsTowardLimit(t)) fired++;
    }
    return out;
  }

  private newDispatcher(): Dispatcher {
    return new Dispatcher({
      clock: this.options.clock,
      executors: this.intake.executors,
      concurrency: this.options.concurrency,
      newId: this.options.newIdAt,
      hooks: {
        onDispatch: (occurrence) => this.emitDispatch(occurrence),
        onResult: (runtime, result) => this.recordResult(runtime, result),
        onOverlapSkipped: (runtime, scheduledAt) =>
          this.emit('overlap-skipped', { task_id: runtime.settled.id, scheduled_at: scheduledAt }),
      },
    });
  }

  private emitDispatch(occurrence: Occurrence): void {
    if (occurrence.attempt !== 1 || this.listenerCount('dispatch') === 0) return;
    this.emit('dispatch', {
      task_id: occurrence.runtime.settled.id,
      run_id: occurrence.runId,
      scheduled_at: occurrence.scheduledAt,
      fired_at: occurrence.firedAt,
    });
  }

  private sameRequest(existing: TaskRecord, requestHash: string | null): TaskRecord {
    if (requestHash !== null && existing.request_hash === requestHash) return existing;
    throw new TaskConflictError(existing.id, 'a different task has this task_id');
  }

  /** The freshest record: the runtime's, else one whose write is pending, else the store's. */
  private async findRecord(id: string): Promise<TaskRecord | undefined> {
    return this.runtimes.get(id)?.record ?? (await this.options.store.get(id));
  }

  private async schedulable(id: string, operation: string): Promise<TaskRuntime> {
    const runtime = this.runtimes.schedulable(id);
    if (runtime) return runtime;
    const record = await this.get(id);
    throw new TaskNotActiveError(id, record.status, operation);
  }

  /** A runtime for a task that no longer fires (completed, cancelled), to run it: kept until its runs end. */
  private detach(record: TaskRecord, compiled?: CompiledSchedule): TaskRuntime {
    const schedule = compiled ?? compileSchedule(record.schedule, { now: Date.parse(record.created_at) });
    const runtime = new TaskRuntime(record, schedule, -1);
    this.runtimes.add(runtime);
    return runtime;
  }

  private async restore(): Promise<void> {
    this.runtimes.clear();
    const now = this.options.clock.now();
    for (const record of await this.options.store.loadSchedulable()) {
      let compiled: CompiledSchedule;
      try {
        compiled = compileSchedule(record.schedule, { now: Date.parse(record.created_at) });
      } catch (error) {
        this.fail(new Error(`task ${record.id} cannot be restored: ${(error as Error).message}`, { cause: error }));
        continue;
      }
      const schedulable = record.status === 'active' || record.status === 'paused';
      const stored = record.next_fire_at === null ? -1 : Date.parse(record.next_fire_at);
      const next = record.status === 'active' && stored < 0 ? compiled.nextInstant(now - 1, record.fire_count) : stored;
      const runtime = schedulable ? this.addRuntime(record, compiled, next) : this.detach(record, compiled);
      for (const run of record.in_flight) this.rerun(runtime, run);
    }
    await this.relay.resume();
  }

  /** Runs again a run that was in flight when the previous process stopped: same id, same fire time. */
  private rerun(runtime: TaskRuntime, run: InFlightRun): void {
    this.dispatcher.offer(runtime, Date.parse(run.scheduled_at), run.trigger, run.scheduled_at, run.run_id, true);
  }

  private addRuntime(record: TaskRecord, compiled: CompiledSchedule, nextAt: number): TaskRuntime {
    const runtime = new TaskRuntime(record, compiled, nextAt);
    this.runtimes.add(runtime);
    if (record.status === 'active' && nextAt >= 0) this.plan(runtime, nextAt);
    return runtime;
  }

  private plan(runtime: TaskRuntime, at: number): void {
    runtime.nextAt = at;
    this.timers.push(at, runtime);
  }

  private unplan(runtime: TaskRuntime): void {
    this.timers.remove(runtime);
    runtime.nextAt = -1;
  }

  /**
   * Called by the timer queue: fires the tasks due at `now`, in slices. A slice ends once it has
   * left twice as many runs holding or waiting for a slot as may run at once: the queue re-arms at
   * once for the rest, so the next slice follows on the next turn, runs finish in between, and a
   * burst of 10,000 does not hold 10,000 runs' state alive at once (measured on the HTTP burst: the
   * scheduler went from 0.69× to 0.83× of a plain undici loop, most of it garbage collection saved).
   * Runs of synchronous functions have given their slot back when fire() returns, so they do not
   * count: a burst of them fires in one turn, as Node runs all timers due at once (burst of 10,000
   * with the default concurrency: 61-66 → 32-37 ms on a loaded machine, from 50 turns that each
   * also finished 200 results).
   * A slice also ends after {@link FIRE_TURN_BUDGET_MS}, whatever the functions cost, so I/O waits
   * that long at most. The time is read again every 32 fires: the runs' `fired_at` stays as exact
   * as the ms clock, for one clock read per 32 fires rather than one per fire.
   */
  private fireDue(now: number): void {
    const dispatcher = this.dispatcher;
    const clock = this.options.clock;
    const held = dispatcher.pending + Math.max(64, 2 * this.options.concurrency);
    const deadline = now + FIRE_TURN_BUDGET_MS;
    for (let fired = 1; dispatcher.pending < held; fired++) {
      if ((fired & 31) === 0) {
        now = clock.now();
        if (now >= deadline) return;
      }
      const runtime = this.timers.popDue(now);
      if (runtime === undefined) return;
      this.fire(runtime, now);
    }
  }

  private fire(runtime: TaskRuntime, now: number): void {
    const { compiled, record } = runtime;
    const dueAt = runtime.nextAt;
    if (now - dueAt <= this.options.misfireThresholdMs) {
      // The usual case, one fire on time, without planDueFires' plan object and list, and with
      // its record change left pending (see PendingFire).
      const counted = compiled.countsTowardLimit(dueAt) ? 1 : 0;
      const next = compiled.nextInstant(dueAt, record.fire_count + counted);
      if (next < 0 || next > now) {
        const scheduledAt = formatInstant(dueAt);
        const runId = this.dispatcher.offer(runtime, dueAt, 'schedule', scheduledAt, undefined, false, now);
        if (runtime.settled !== record) {
          // The run's function changed its own task before returning (a synchronous cancel).
          const current = runtime.settled.in_flight;
          const inFlight =
            runId === null
              ? current
              : withRun(current, { run_id: runId, scheduled_at: scheduledAt, trigger: 'schedule' });
          this.fired(runtime, now, next, counted, inFlight);
          return;
        }
        runtime.recordFire({
          status: next < 0 ? 'completed' : record.status,
          nextFireAt: next < 0 ? null : formatInstant(next),
          counted,
          runId,
          scheduledAt,
          updatedAt: formatInstant(now),
        });
        this.planned(runtime, next, record.id);
        return;
      }
    }
    const plan = planDueFires(
      compiled,
      dueAt,
      record.fire_count,
      now,
      this.options.misfireThresholdMs,
      record.policies.misfire,
    );
    if (plan.missed > 0) this.emit('misfire', { task_id: record.id, run: plan.missedRun, skipped: plan.skipped });
    let inFlight = record.in_flight;
    for (const scheduledAt of plan.run) {
      const run = this.dispatch(runtime, scheduledAt);
      if (run !== null) inFlight = withRun(inFlight, run);
    }
    this.fired(runtime, now, plan.next, plan.counted, inFlight);
  }

  /** Offers one fire to the dispatcher; its in-flight entry, or null when the overlap policy dropped it. */
  private dispatch(runtime: TaskRuntime, scheduledAt: number): InFlightRun | null {
    const scheduledAtText = formatInstant(scheduledAt);
    const runId = this.dispatcher.offer(runtime, scheduledAt, 'schedule', scheduledAtText);
    return runId === null ? null : { run_id: runId, scheduled_at: scheduledAtText, trigger: 'schedule' };
  }

  /** Records a fire in the task: its runs in flight, its next fire, and plans or completes it. */
  private fired(runtime: TaskRuntime, now: number, next: number, counted: number, inFlight: readonly InFlightRun[]) {
    const record = runtime.record;
    // A run's function may have cancelled its task while it fired: the fire counts and its run is
    // in flight, but the task stays cancelled and is not planned again.
    const stopped = record.status === 'cancelled';
    // Not frozen here or in recordResult: these copies are made per run, and freezing costs more
    // than the copy. Records are read-only by type; schedule() freezes what it hands out first.
    runtime.record = {
      ...record,
      status: stopped ? record.status : next < 0 ? 'completed' : record.status,
      next_fire_at: stopped ? record.next_fire_at : next < 0 ? null : formatInstant(next),
      fire_count: record.fire_count + counted,
      in_flight: inFlight,
      updated_at: formatInstant(now),
    };
    if (stopped) this.writer.mark(runtime);
    else this.planned(runtime, next, record.id);
  }

  /** After a fire: plans the next one or completes the task, and queues its write. */
  private planned(runtime: TaskRuntime, next: number, id: string): void {
    if (next < 0) {
      runtime.nextAt = -1;
      if (this.listenerCount('task-completed') > 0) this.emit('task-completed', { task_id: id });
    } else this.plan(runtime, next);
    this.writer.mark(runtime);
  }

  /**
   * The result is durable (history and outbox) before the run leaves `in_flight`: a crash between
   * the two runs it again rather than losing its result. (Promise callbacks rather than async/await:
   * this runs once per run, and a burst of 10,000 runs feels every allocated promise.)
   */
  private recordResult(runtime: TaskRuntime, result: RunResult): void {
    const deliverTo = runtime.settled.deliver_to;
    const channels = deliverTo === undefined ? this.relay.channelNames : deliverTo;
    this.recording++;
    this.options.store.recordRun(result, { retain: this.options.runRetention, channels }).then(
      () => {
        try {
          runtime.recordResult(result.run_id, result, result.finished_at);
          this.writer.mark(runtime);
          this.emit('result', result);
          if (channels.length > 0) this.relay.send({ result, pending: channels });
        } finally {
          this.recorded();
        }
      },
      (error: unknown) => {
        this.fail(error);
        this.recorded();
      },
    );
  }

  private recorded(): void {
    if (--this.recording === 0 && this.recordingDone) {
      this.recordingDone();
      this.recordingDone = null;
    }
  }

  private fail(error: unknown): void {
    const err = error instanceof Error ? error : new Error(String(error));
    if (this.listenerCount('error') > 0) this.emit('error', err);
    else process.emitWarning(err);
  }
}

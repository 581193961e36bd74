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
  checkRunQuery,
  checkTaskQuery,
  type IntakeContext,
  noFireLeft,
} from './task-intake.ts';
import type { TaskRuntime } from './task-runtime.ts';
import { TaskWriter } from './task-writer.ts';

type State = 'stopped' | 'starting' | 'running' | 'stopping';

/** Most tasks have no run in flight most of the time: they share this one empty list. */
const NO_RUNS: readonly InFlightRun[] = Object.freeze([]);

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
  /** Active and paused tasks. */
  private readonly runtimes = new Map<string, TaskRuntime>();
  /**
   * Completed and cancelled tasks while they still have runs in flight (or a manual trigger): one
   * runtime per task, so two runs of it cannot overwrite each other's `in_flight` entries.
   */
  private readonly detached = new Map<string, TaskRuntime>();
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
  private lastNow = Number.NaN;
  private lastNowText = '';

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
    this.writer = new TaskWriter(store, () => formatInstant(clock.now()));
    this.relay = new OutboxRelay({ store, channels, clock, onError: (e) => this.fail(e) });
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
      for (const runtime of this.runtimes.values()) runtime.entry = null;
      this.runtimes.clear();
      this.detached.clear();
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
   *   TaskConflictError (the `task_id` names a different task), StoreError
   */
  async schedule(input: TaskInput): Promise<TaskRecord> {
    const now = this.options.clock.now();
    const task = acceptTask(input, this.intake, now);
    if (task.taskId !== undefined) {
      const existing = await this.findRecord(task.taskId);
      if (existing) return this.sameRequest(existing, task.requestHash);
    }
    if (task.first < 0) throw noFireLeft(now);
    const { compiled, first } = task;
    const createdAt = formatInstant(now);
    const record: TaskRecord = Object.freeze({
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
      ...(input.deliver_to === undefined ? {} : { deliver_to: [...input.deliver_to] }),
    });
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
   *   left), TaskNotFoundError, TaskNotActiveError (completed or cancelled), StoreError
   */
  async update(id: string, patch: TaskPatch): Promise<TaskRecord> {
    const runtime = await this.schedulable(id, 'update');
    const now = this.options.clock.now();
    const { fields, schedule } = acceptPatch(patch, runtime.record, this.intake, now);
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
    const runtime = this.runtimes.get(id);
    if (!runtime) {
      const record = await this.get(id);
      if (record.status === 'cancelled') return record;
      throw new TaskNotActiveError(id, record.status, 'cancel');
    }
    const record = await this.writer.change(runtime, { status: 'cancelled', next_fire_at: null });
    this.unplan(runtime);
    this.retire(runtime);
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
    if (next < 0) this.retire(runtime);
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
    const runtime = this.runtimes.get(id) ?? this.detached.get(id) ?? this.detach(await this.get(id));
    if (runtime.record.status === 'cancelled') throw new TaskNotActiveError(id, 'cancelled', 'trigger');
    const now = this.options.clock.now();
    const runId = this.options.newId();
    const scheduledAtText = formatInstant(now);
    await this.writer.change(runtime, {
      in_flight: [...runtime.record.in_flight, { run_id: runId, scheduled_at: scheduledAtText, trigger: 'manual' }],
    });
    this.dispatcher.offer(runtime, now, 'manual', { runId, scheduledAtText });
    return { run_id: runId };
  }

  /** Counts of what the scheduler holds in memory now, cheap enough for every metrics scrape. */
  stats(): SchedulerStats {
    let active = 0;
    let paused = 0;
    for (const runtime of this.runtimes.values()) {
      if (runtime.record.status === 'active') active++;
      else paused++;
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
      newId: this.options.newId,
      hooks: {
        onDispatch: (occurrence) => this.emitDispatch(occurrence),
        onResult: (runtime, result) => this.recordResult(runtime, result),
        onOverlapSkipped: (runtime, scheduledAt) =>
          this.emit('overlap-skipped', { task_id: runtime.record.id, scheduled_at: scheduledAt }),
      },
    });
  }

  private emitDispatch(occurrence: Occurrence): void {
    if (occurrence.attempt !== 1 || this.listenerCount('dispatch') === 0) return;
    this.emit('dispatch', {
      task_id: occurrence.runtime.record.id,
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
    const known = (this.runtimes.get(id) ?? this.detached.get(id))?.record ?? this.writer.unwritten(id);
    return known ?? (await this.options.store.get(id));
  }

  private async schedulable(id: string, operation: string): Promise<TaskRuntime> {
    const runtime = this.runtimes.get(id);
    if (runtime) return runtime;
    const record = await this.get(id);
    throw new TaskNotActiveError(id, record.status, operation);
  }

  /** A runtime for a task that no longer fires (completed, cancelled), to run it: kept until its runs end. */
  private detach(record: TaskRecord, compiled?: CompiledSchedule): TaskRuntime {
    const schedule = compiled ?? compileSchedule(record.schedule, { now: Date.parse(record.created_at) });
    const runtime = this.newRuntime(record, schedule, -1);
    this.detached.set(record.id, runtime);
    return runtime;
  }

  /** A task stops firing: it leaves the schedulable ones, and stays reachable while runs are in flight. */
  private retire(runtime: TaskRuntime): void {
    const id = runtime.record.id;
    this.runtimes.delete(id);
    if (runtime.active > 0 || runtime.record.in_flight.length > 0) this.detached.set(id, runtime);
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
    this.dispatcher.offer(runtime, Date.parse(run.scheduled_at), run.trigger, {
      runId: run.run_id,
      recovered: true,
      scheduledAtText: run.scheduled_at,
    });
  }

  private newRuntime(record: TaskRecord, compiled: CompiledSchedule, nextAt: number): TaskRuntime {
    return { record, compiled, nextAt, entry: null, active: 0, queued: null };
  }

  private addRuntime(record: TaskRecord, compiled: CompiledSchedule, nextAt: number): TaskRuntime {
    const runtime = this.newRuntime(record, compiled, nextAt);
    this.runtimes.set(record.id, runtime);
    if (record.status === 'active' && nextAt >= 0) this.plan(runtime, nextAt);
    return runtime;
  }

  private plan(runtime: TaskRuntime, at: number): void {
    runtime.nextAt = at;
    runtime.entry = this.timers.push(at, runtime);
  }

  private unplan(runtime: TaskRuntime): void {
    if (runtime.entry) this.timers.remove(runtime.entry);
    runtime.entry = null;
    runtime.nextAt = -1;
  }

  /**
   * Called by the timer queue: fires the tasks due at `now`, up to twice as many per event-loop
   * turn as may run at once. The queue re-arms at once for the rest, so the next slice follows on
   * the next turn: runs finish in between, and a burst of 10,000 does not hold 10,000 runs' state
   * alive at once (measured on the HTTP burst: the scheduler went from 0.69× to 0.83× of a plain
   * undici loop, most of it garbage collection saved).
   */
  private fireDue(now: number): void {
    const slice = Math.max(64, 2 * this.options.concurrency);
    let fired = 0;
    for (let entry = this.timers.popDue(now); entry; entry = fired < slice ? this.timers.popDue(now) : undefined) {
      const runtime = entry.value;
      runtime.entry = null;
      this.fire(runtime, now);
      fired++;
    }
  }

  private fire(runtime: TaskRuntime, now: number): void {
    const { compiled, record } = runtime;
    const plan = planDueFires(
      compiled,
      runtime.nextAt,
      record.fire_count,
      now,
      this.options.misfireThresholdMs,
      record.policies.misfire,
    );
    if (plan.missed > 0) this.emit('misfire', { task_id: record.id, run: plan.missedRun, skipped: plan.skipped });
    let inFlight = record.in_flight;
    for (const scheduledAt of plan.run) {
      const scheduledAtText = formatInstant(scheduledAt);
      const runId = this.dispatcher.offer(runtime, scheduledAt, 'schedule', { scheduledAtText });
      if (runId === null) continue;
      const run: InFlightRun = { run_id: runId, scheduled_at: scheduledAtText, trigger: 'schedule' };
      inFlight = inFlight.length === 0 ? [run] : [...inFlight, run];
    }
    const next = plan.next;
    // Not frozen here or in recordResult: these copies are made per run, and freezing costs more
    // than the copy. Records are read-only by type; schedule() freezes what it hands out first.
    runtime.record = {
      ...record,
      status: next < 0 ? 'completed' : record.status,
      next_fire_at: next < 0 ? null : formatInstant(next),
      fire_count: record.fire_count + plan.counted,
      in_flight: inFlight,
      updated_at: this.formatNow(now),
    };
    if (next < 0) {
      runtime.nextAt = -1;
      this.retire(runtime);
      if (this.listenerCount('task-completed') > 0) this.emit('task-completed', { task_id: record.id });
    } else this.plan(runtime, next);
    this.writer.persist(runtime).catch((error: unknown) => this.fail(error));
  }

  /**
   * The result is durable (history and outbox) before the run leaves `in_flight`: a crash between
   * the two runs it again rather than losing its result. (Promise callbacks rather than async/await:
   * this runs once per run, and a burst of 10,000 runs feels every allocated promise.)
   */
  private recordResult(runtime: TaskRuntime, result: RunResult): void {
    const deliverTo = runtime.record.deliver_to;
    const channels = deliverTo === undefined ? this.relay.channelNames : deliverTo;
    this.recording++;
    this.options.store
      .recordRun(result, { retain: this.options.runRetention, channels })
      .then(
        () => {
          const record = runtime.record;
          runtime.record = {
            ...record,
            last_run: result,
            in_flight:
              record.in_flight.length === 1 ? NO_RUNS : record.in_flight.filter((r) => r.run_id !== result.run_id),
            updated_at: result.finished_at,
          };
          this.writer.persist(runtime).catch((error: unknown) => this.fail(error));
          const id = runtime.record.id;
          if (runtime.active === 0 && runtime.record.in_flight.length === 0 && this.detached.get(id) === runtime) {
            this.detached.delete(id);
          }
          this.emit('result', result);
          if (channels.length > 0) this.relay.send({ result, pending: channels });
        },
        (error: unknown) => this.fail(error),
      )
      .finally(() => {
        if (--this.recording === 0 && this.recordingDone) {
          this.recordingDone();
          this.recordingDone = null;
        }
      });
  }

  /** formatInstant(now), remembered: every task of a burst fires at the same `now`. */
  private formatNow(now: number): string {
    if (now !== this.lastNow) {
      this.lastNow = now;
      this.lastNowText = formatInstant(now);
    }
    return this.lastNowText;
  }

  private fail(error: unknown): void {
    const err = error instanceof Error ? error : new Error(String(error));
    if (this.listenerCount('error') > 0) this.emit('error', err);
    else process.emitWarning(err);
  }
}

import type { CompiledSchedule } from '../schedule/compile.ts';
import type { Timed } from '../timing/timer-queue.ts';
import type { InFlightRun, TaskRecord, TaskStatus } from './task.ts';

/**
 * A fire on time of a task, not yet applied to its record: what the Scheduler's fire() would have
 * written into a new record. Applied when the record is read (see {@link TaskRuntime.record}),
 * or, when the run's result comes first, skipped over: the result's record is built from the
 * record before the fire (see {@link TaskRuntime.recordResult}). A quick run of a one-shot task
 * so makes one record instead of two, and no in-flight entry at all.
 */
export interface PendingFire {
  readonly status: TaskStatus;
  readonly nextFireAt: string | null;
  readonly counted: number;
  /** The run started by the fire; null when the overlap policy dropped it. */
  readonly runId: string | null;
  readonly scheduledAt: string;
  readonly updatedAt: string;
}

/**
 * The Scheduler's in-memory state of one task it holds: every active or paused task, and a
 * completed or cancelled one while it has runs in flight or a write pending. It is its own entry
 * in the timer queue (`timerSeq`), so a pending task costs no separate heap entry.
 */
export class TaskRuntime implements Timed {
  /** The record before `fire` (the latest one when `fire` is null). */
  private current: TaskRecord;
  private fire: PendingFire | null = null;
  /** Replaced when an update changes the schedule. */
  compiled: CompiledSchedule;
  /** The next fire (ms), or -1. */
  nextAt: number;
  /** See {@link Timed}: -1 unless the task waits in the timer queue. */
  timerSeq = -1;
  /** Runs started or waiting for a concurrency slot (what the overlap policy looks at). */
  active = 0;
  /** True from a change until the TaskWriter has taken the record into a batch. */
  dirty = false;

  constructor(record: TaskRecord, compiled: CompiledSchedule, nextAt: number) {
    this.current = record;
    this.compiled = compiled;
    this.nextAt = nextAt;
  }

  /** The latest record; the store is written from it. */
  get record(): TaskRecord {
    const fire = this.fire;
    if (fire !== null) {
      const record = this.current;
      const inFlight = record.in_flight;
      this.fire = null;
      this.current = {
        ...record,
        status: fire.status,
        next_fire_at: fire.nextFireAt,
        fire_count: record.fire_count + fire.counted,
        in_flight:
          fire.runId === null
            ? inFlight
            : withRun(inFlight, { run_id: fire.runId, scheduled_at: fire.scheduledAt, trigger: 'schedule' }),
        updated_at: fire.updatedAt,
      };
    }
    return this.current;
  }

  set record(record: TaskRecord) {
    this.fire = null;
    this.current = record;
  }

  /**
   * The fields that change only through a new record (id, target, policies, deliver_to, …), read
   * without applying a pending fire: the per-run path reads these.
   */
  get settled(): TaskRecord {
    return this.current;
  }

  /** Records a fire on time, to be applied when the record is next read (see {@link PendingFire}). */
  recordFire(fire: PendingFire): void {
    if (this.fire !== null) void this.record; // apply the previous one first
    this.fire = fire;
  }

  /**
   * The record once run `result.run_id` has finished: its result is `last_run` and it leaves
   * `in_flight`. The record in between (run in flight) is not built when nothing read it.
   */
  recordResult(runId: string, lastRun: TaskRecord['last_run'], finishedAt: string): void {
    const fire = this.fire;
    if (fire !== null && fire.runId === runId) {
      const record = this.current;
      this.fire = null;
      this.current = {
        ...record,
        status: fire.status,
        next_fire_at: fire.nextFireAt,
        fire_count: record.fire_count + fire.counted,
        last_run: lastRun,
        // What the in-between record's list (this one's plus the run) would give without the run.
        in_flight: record.in_flight.length === 0 ? NO_RUNS : record.in_flight.filter((r) => r.run_id !== runId),
        updated_at: finishedAt,
      };
      return;
    }
    const record = this.record;
    this.current = {
      ...record,
      last_run: lastRun,
      in_flight: withoutRun(record.in_flight, runId),
      updated_at: finishedAt,
    };
  }

  /** Neither fires again nor has anything in flight: the Scheduler may forget it once it is written. */
  get finished(): boolean {
    const { status, in_flight } = this.record;
    return status !== 'active' && status !== 'paused' && this.active === 0 && in_flight.length === 0;
  }
}

/** Most tasks have no run in flight most of the time: they share this one empty list. */
export const NO_RUNS: readonly InFlightRun[] = Object.freeze([]);

export function withRun(inFlight: readonly InFlightRun[], run: InFlightRun): readonly InFlightRun[] {
  return inFlight.length === 0 ? [run] : [...inFlight, run];
}

function withoutRun(inFlight: readonly InFlightRun[], runId: string): readonly InFlightRun[] {
  return inFlight.length === 1 ? NO_RUNS : inFlight.filter((r) => r.run_id !== runId);
}

import type { CompiledSchedule } from '../schedule/compile.ts';
import type { HeapEntry } from '../timing/min-heap.ts';
import type { TaskRecord } from './task.ts';

/** The Scheduler's in-memory state of one schedulable task. */
export interface TaskRuntime {
  /** The latest record; the store is written from it. */
  record: TaskRecord;
  /** Replaced when an update changes the schedule. */
  compiled: CompiledSchedule;
  /** The next fire (ms), or -1. */
  nextAt: number;
  /** Its place in the timer queue, while active. */
  entry: HeapEntry<TaskRuntime> | null;
  /** Runs started or waiting for a concurrency slot (what the overlap policy looks at). */
  active: number;
  /** overlap `queue_one`: the fire waiting for the current run to end. */
  queued: { readonly scheduledAt: number; readonly runId: string } | null;
}

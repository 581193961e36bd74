import type { DeliveryRetry } from '../delivery/outbox-relay.ts';
import type { RunResult } from './task.ts';

/** A run was handed to its executor. */
export interface DispatchEvent {
  readonly task_id: string;
  readonly run_id: string;
  /** The fire time (ms since the epoch). */
  readonly scheduled_at: number;
  /** When the run started (ms since the epoch). */
  readonly fired_at: number;
}

/** Fires that fell due while the scheduler was down or stalled, and what the misfire policy did. */
export interface MisfireEvent {
  readonly task_id: string;
  /** How many of them run now. */
  readonly run: number;
  /** How many are skipped. */
  readonly skipped: number;
}

/** The timer woke at an unexpected time (see TimerQueue). */
export interface TimerEvent {
  readonly expected_at: number;
  readonly now: number;
}

/** The events a Scheduler emits, with their payloads. */
export interface SchedulerEventMap {
  /** One per finished run. */
  result: [RunResult];
  dispatch: [DispatchEvent];
  misfire: [MisfireEvent];
  /** A fire dropped because the previous run was still going (overlap `skip`, or `queue_one` already holding one). */
  'overlap-skipped': [{ readonly task_id: string; readonly scheduled_at: number }];
  /** A task has no fire left. */
  'task-completed': [{ readonly task_id: string }];
  'timer-premature': [TimerEvent];
  'timer-overdue': [TimerEvent];
  /**
   * A result channel did not take a result (down, or no listener for its requester yet); it stays
   * in the outbox and is delivered again after `retry_in_ms`.
   */
  'delivery-retry': [DeliveryRetry];
  /** A failure outside any run (a store write, an unreadable stored task). Runs report through `result`. */
  error: [Error];
}

/** See {@link Scheduler.stats}. */
export interface SchedulerStats {
  /** Schedulable tasks by state (completed and cancelled ones live in the store only). */
  readonly tasks: { readonly active: number; readonly paused: number };
  /** Attempts running, waiting for a concurrency slot, and waiting to be retried. */
  readonly runs: { readonly running: number; readonly waiting: number; readonly retrying: number };
  /** Result deliveries to channels not confirmed yet (the outbox's live part). */
  readonly undelivered_results: number;
}

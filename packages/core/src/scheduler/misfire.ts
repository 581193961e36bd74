import type { TaskPolicies } from './task.ts';

/**
 * What to run when a task's fires fell due while the scheduler was down or stalled. Pure, so the
 * policy is tested on its own.
 *
 * A fire processed within `thresholdMs` of its time is on time and runs. Older ones are missed:
 * missed fires older than `grace_ms` are skipped; of the rest, `catch_up` decides: `latest` runs
 * one, for the most recent; `all` runs each (the most recent {@link MAX_CATCH_UP_RUNS}); `none` skips them.
 */
export const MAX_CATCH_UP_RUNS = 1000;

export interface MisfirePlan {
  /** Fire times to run now, ascending. */
  readonly run: readonly number[];
  /** How many due fire times are not run. */
  readonly skipped: number;
}

/**
 * @param due the due fire times, ascending (at most {@link MAX_CATCH_UP_RUNS} + the on-time ones are kept by the caller)
 * @param dropped due fire times the caller already left out (too many to keep)
 */
export function planMisfire(
  due: readonly number[],
  dropped: number,
  now: number,
  thresholdMs: number,
  policy: TaskPolicies['misfire'],
): MisfirePlan {
  const missed: number[] = [];
  const onTime: number[] = [];
  let skipped = dropped;
  for (const t of due) {
    const late = now - t;
    if (late <= thresholdMs) onTime.push(t);
    else if (policy.grace_ms !== null && late > policy.grace_ms) skipped++;
    else missed.push(t);
  }
  let caughtUp: number[];
  if (policy.catch_up === 'all') caughtUp = missed.slice(-MAX_CATCH_UP_RUNS);
  else if (policy.catch_up === 'latest') caughtUp = missed.slice(-1);
  else caughtUp = [];
  skipped += missed.length - caughtUp.length;
  return { run: [...caughtUp, ...onTime], skipped };
}

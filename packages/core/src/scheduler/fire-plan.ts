import type { CompiledSchedule } from '../schedule/compile.ts';
import { MAX_CATCH_UP_RUNS, planMisfire } from './misfire.ts';
import type { TaskPolicies } from './task.ts';

/** What to do with a task whose next fire is due. */
export interface FirePlan {
  /** Fire times to run now, ascending. */
  readonly run: readonly number[];
  /** How many of `run` count towards the schedule's `limit`. */
  readonly counted: number;
  /** The fire after those (ms), or -1 when the schedule has none left. */
  readonly next: number;
  /** Due fires that were late beyond the misfire threshold (0 in the usual case). */
  readonly missed: number;
  /** How many of the missed fires run. */
  readonly missedRun: number;
  readonly skipped: number;
}

/** Due fires scanned at most, so a per-second task after a month down costs a bounded pass. */
const MAX_DUE_SCAN = 1_000_000;

/**
 * Plans a due task: the usual case is one fire on time; after downtime or a stall, every due fire
 * up to `now` is gathered and the misfire policy decides which run.
 */
export function planDueFires(
  compiled: CompiledSchedule,
  dueAt: number,
  fired: number,
  now: number,
  thresholdMs: number,
  policy: TaskPolicies['misfire'],
): FirePlan {
  if (now - dueAt <= thresholdMs) {
    const counted = compiled.countsTowardLimit(dueAt) ? 1 : 0;
    const next = compiled.nextInstant(dueAt, fired + counted);
    if (next < 0 || next > now) return { run: [dueAt], counted, next, missed: 0, missedRun: 0, skipped: 0 };
  }
  // Keep the most recent due fires only: the policy never runs more than MAX_CATCH_UP_RUNS missed ones.
  const keep = MAX_CATCH_UP_RUNS + 1;
  let due: number[] = [];
  let dropped = 0;
  let scanned = 0;
  let t = dueAt;
  while (t >= 0 && t <= now) {
    if (scanned++ === MAX_DUE_SCAN) {
      const latest = latestMissedAfter(compiled, t, now - thresholdMs);
      if (latest > t) {
        // Too many to walk: what was gathered is older than the fires jumped over, so it goes too.
        // The fires jumped over are skipped; their number is not worth counting, so one is reported.
        dropped += due.length + 1;
        due = [];
        t = latest;
      }
    }
    due.push(t);
    if (due.length >= 2 * keep) {
      dropped += due.length - keep;
      due = due.slice(-keep);
    }
    t = compiled.nextInstant(t, 0);
  }
  const plan = planMisfire(due, dropped, now, thresholdMs, policy);
  const run: number[] = [];
  let counted = 0;
  for (const t of plan.run) {
    const counts = compiled.countsTowardLimit(t);
    if (counts && fired + counted >= compiled.maxFires) break;
    run.push(t);
    if (counts) counted++;
  }
  const last = due[due.length - 1] ?? dueAt;
  const onTime = due.filter((d) => now - d <= thresholdMs).length;
  const missed = due.length + dropped - onTime;
  return {
    run,
    counted,
    next: compiled.nextInstant(Math.max(last, now), fired + counted),
    missed,
    missedRun: Math.max(0, run.length - onTime),
    skipped: plan.skipped + (plan.run.length - run.length),
  };
}

/**
 * The latest fire before `edge` (the first instant still on time) and after `from`, found by
 * galloping back from the edge (1 s, 2 s, 4 s, …) instead of walking forward from `from`; -1 when
 * there is none after `from`. The engine has no "previous fire" search, and this needs O(log gap).
 */
function latestMissedAfter(compiled: CompiledSchedule, from: number, edge: number): number {
  for (let window = 1000; edge - 1 - window > from; window *= 2) {
    let found = compiled.nextInstant(edge - 1 - window, 0);
    if (found < 0 || found >= edge) continue;
    for (let next = compiled.nextInstant(found, 0); next >= 0 && next < edge; next = compiled.nextInstant(found, 0)) {
      found = next;
    }
    return found;
  }
  return -1;
}

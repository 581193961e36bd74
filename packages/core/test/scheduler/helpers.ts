import { type RunResult, Scheduler, type SchedulerOptions, type TaskStore } from '../../src/index.ts';
import { FakeClock } from '../../src/testing/index.ts';

export const START = '2026-11-22T00:00:00Z';

/** A scheduler on a fake clock with a `record` function that logs each call's fire time. */
export async function createHarness(options: SchedulerOptions & { start?: string; store?: TaskStore } = {}) {
  const clock = new FakeClock(options.start ?? START);
  const scheduler = new Scheduler({ ...options, clock });
  const calls: { scheduledAt: string; parameters: unknown }[] = [];
  const results: RunResult[] = [];
  scheduler.register('record', (parameters, context) => {
    calls.push({ scheduledAt: new Date(context.scheduled_at).toISOString(), parameters });
    return { ok: true };
  });
  scheduler.on('result', (result) => results.push(result));
  await scheduler.start();
  return { clock, scheduler, calls, results };
}

/** A task calling `record` on `schedule`. */
export function recordTask(schedule: unknown, extra: Record<string, unknown> = {}) {
  return {
    requester_id: 'requester-a',
    schedule,
    target: { kind: 'function', name: 'record', parameters: { n: 1 } },
    ...extra,
  };
}

/** A promise with its resolve exposed, to hold a run open. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

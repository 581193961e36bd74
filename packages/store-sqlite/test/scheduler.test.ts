import { type RunResult, Scheduler, type TaskFunction } from '@br-sdk/schedule';
import { FakeClock } from '@br-sdk/schedule/testing';
import { describe, expect, it, vi } from 'vitest';
import { SqliteTaskStore } from '../src/index.ts';
import { useTempDir } from './helpers.ts';

const { tempDbPath } = useTempDir();
const START = '2026-11-22T00:00:00Z';

/** A Scheduler on a fake clock and a store on `path`, with a `record` function that logs its fire times. */
async function boot(path: string, clock: FakeClock, functions: Record<string, TaskFunction> = {}) {
  const store = await SqliteTaskStore.open({ path });
  const scheduler = new Scheduler({ store, clock });
  for (const [name, fn] of Object.entries(functions)) scheduler.register(name, fn);
  const fired: string[] = [];
  const results: RunResult[] = [];
  scheduler.register('record', (_parameters, context) => {
    fired.push(new Date(context.scheduled_at).toISOString());
    return 'done';
  });
  scheduler.on('result', (result) => results.push(result));
  await scheduler.start();
  return { store, scheduler, fired, results };
}

const task = (schedule: unknown, task_id?: string) => ({
  ...(task_id === undefined ? {} : { task_id }),
  requester_id: 'billing',
  schedule,
  target: { kind: 'function', name: 'record' },
});

describe('Scheduler on SqliteTaskStore', () => {
  it('restores the tasks of a stopped scheduler in a new one on the reopened file, and they fire', async () => {
    const path = tempDbPath();
    const clock = new FakeClock(START);
    const first = await boot(path, clock);
    const oneShot = await first.scheduler.schedule(task({ rules: [{ at: '2026-11-22T12:00:00Z' }] }));
    const daily = await first.scheduler.schedule(task({ timezone: 'Europe/London', rules: [{ cron: '0 9 * * *' }] }));
    const paused = await first.scheduler.schedule(task({ rules: [{ cron: '0 * * * *' }] }, 'paused-task'));
    await first.scheduler.pause(paused.id);
    // The daily task fires once before the restart, so its history and fire count are in the file too.
    await clock.advanceTo('2026-11-22T09:30:00Z');
    await vi.waitFor(() => expect(first.results).toHaveLength(1));
    await first.scheduler.stop();
    await first.store.close();

    // A new process: a new store on the same file, a new Scheduler, from the moment the first stopped.
    const secondClock = new FakeClock('2026-11-22T09:30:00Z');
    const second = await boot(path, secondClock);
    try {
      expect((await second.scheduler.get(oneShot.id)).next_fire_at).toBe('2026-11-22T12:00:00Z');
      expect((await second.scheduler.get(daily.id)).next_fire_at).toBe('2026-11-23T09:00:00Z');
      expect((await second.scheduler.get(paused.id)).status).toBe('paused');
      await secondClock.advanceTo('2026-11-23T10:00:00Z');
      await vi.waitFor(() => expect(second.results).toHaveLength(2));
      expect(first.fired).toEqual(['2026-11-22T09:00:00.000Z']);
      expect(second.fired).toEqual(['2026-11-22T12:00:00.000Z', '2026-11-23T09:00:00.000Z']);
      await vi.waitFor(async () => expect((await second.scheduler.get(oneShot.id)).status).toBe('completed'));
      expect((await second.scheduler.get(daily.id)).fire_count).toBe(2);
      // The history spans both processes.
      expect((await second.scheduler.runs(daily.id)).runs.map((r) => r.scheduled_at)).toEqual([
        '2026-11-23T09:00:00Z',
        '2026-11-22T09:00:00Z',
      ]);
    } finally {
      await second.scheduler.stop();
      await second.store.close();
    }

    // The fires, their results and the completed one-shot are in the file for the next process.
    const third = await boot(path, new FakeClock('2026-11-23T10:00:00Z'));
    try {
      expect((await third.scheduler.get(oneShot.id)).status).toBe('completed');
      expect((await third.scheduler.runs(oneShot.id)).runs.map((r) => r.status)).toEqual(['success']);
      expect((await third.scheduler.list({ status: 'active' })).tasks.map((t) => t.id)).toEqual([daily.id]);
      expect(third.fired).toEqual([]);
    } finally {
      await third.scheduler.stop();
      await third.store.close();
    }
  });

  it('answers a repeated schedule() with the same task_id from the file after a restart', async () => {
    const path = tempDbPath();
    const first = await boot(path, new FakeClock(START));
    const created = await first.scheduler.schedule(task({ rules: [{ cron: '0 9 * * *' }] }, 'invoice-42'));
    await first.scheduler.stop();
    await first.store.close();

    const second = await boot(path, new FakeClock(START));
    try {
      expect(await second.scheduler.schedule(task({ rules: [{ cron: '0 9 * * *' }] }, 'invoice-42'))).toEqual(created);
      await expect(
        second.scheduler.schedule(task({ rules: [{ cron: '0 10 * * *' }] }, 'invoice-42')),
      ).rejects.toMatchObject({ code: 'TASK_CONFLICT' });
    } finally {
      await second.scheduler.stop();
      await second.store.close();
    }
  });

  it('runs again, with the same run id, a run that was in flight when the previous process stopped', async () => {
    const path = tempDbPath();
    const clock = new FakeClock(START);
    const started: string[] = [];
    // Runs until the scheduler aborts it at stop().
    const hang: TaskFunction = (_parameters, context) => {
      started.push(context.run_id);
      return new Promise((_resolve, reject) =>
        context.signal.addEventListener('abort', () => reject(context.signal.reason)),
      );
    };
    const first = await boot(path, clock, { hang });
    const created = await first.scheduler.schedule({
      requester_id: 'billing',
      schedule: { rules: [{ at: '2026-11-22T01:00:00Z' }] },
      target: { kind: 'function', name: 'hang' },
    });
    await clock.advanceTo('2026-11-22T01:00:00Z');
    await vi.waitFor(() => expect(started).toHaveLength(1));
    await first.scheduler.stop({ timeoutMs: 0 });
    await first.store.close();
    {
      await using store = await SqliteTaskStore.open({ path });
      // No fire left, so completed, but its run is in flight: start-up must load it all the same.
      expect(await store.get(created.id)).toMatchObject({ status: 'completed', in_flight: [{ run_id: started[0] }] });
    }

    const rerun: string[] = [];
    const second = await boot(path, new FakeClock('2026-11-22T02:00:00Z'), {
      hang: (_parameters, context) => {
        rerun.push(context.run_id);
        return 'finished this time';
      },
    });
    try {
      await vi.waitFor(() => expect(second.results).toHaveLength(1));
      expect(rerun).toEqual(started);
      expect(second.results[0]).toMatchObject({ run_id: started[0], status: 'success' });
      await vi.waitFor(async () => expect((await second.scheduler.get(created.id)).in_flight).toEqual([]));
    } finally {
      await second.scheduler.stop();
      await second.store.close();
    }
  });
});

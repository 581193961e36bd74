import { describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  MemoryTaskStore,
  Scheduler,
  SchedulerNotRunningError,
  ScheduleValidationError,
  TaskConflictError,
  TaskNotActiveError,
  TaskNotFoundError,
  type TaskRecord,
} from '../../src/index.ts';
import { createHarness, deferred, recordTask } from './helpers.ts';

describe('Scheduler: tasks', () => {
  it('stores a task and fires it at each instant of its schedule with its parameters', async () => {
    const { clock, scheduler, calls, results } = await createHarness();
    const task = await scheduler.schedule(recordTask({ timezone: 'America/New_York', rules: [{ cron: '0 9 * * *' }] }));
    expect(task).toMatchObject({ status: 'active', fire_count: 0, next_fire_at: '2026-11-22T14:00:00Z' });
    expect(await scheduler.get(task.id)).toEqual(task);

    await clock.advanceTo('2026-11-24T23:00:00Z');
    expect(calls.map((c) => c.scheduledAt)).toEqual([
      '2026-11-22T14:00:00.000Z',
      '2026-11-23T14:00:00.000Z',
      '2026-11-24T14:00:00.000Z',
    ]);
    expect(calls[0]?.parameters).toEqual({ n: 1 });
    expect(results).toHaveLength(3);
    expect(results[0]).toMatchObject({
      task_id: task.id,
      requester_id: 'requester-a',
      trigger: 'schedule',
      scheduled_at: '2026-11-22T14:00:00Z',
      status: 'success',
      content: '{"ok":true}',
      error: null,
      attempts: 1,
    });
    const stored = await scheduler.get(task.id);
    expect(stored).toMatchObject({ fire_count: 3, next_fire_at: '2026-11-25T14:00:00Z' });
    expect(stored.last_run?.run_id).toBe(results[2]?.run_id);
    await scheduler.stop();
  });

  it('reports a function that throws as a failed run and keeps the schedule going', async () => {
    const { clock, scheduler, results } = await createHarness();
    scheduler.register('broken', () => {
      throw new Error('target exploded');
    });
    await scheduler.schedule({
      requester_id: 'r',
      schedule: { rules: [{ every: 'PT1H', from: '2026-11-22T01:00:00Z' }] },
      target: { kind: 'function', name: 'broken' },
    });
    await clock.advanceTo('2026-11-22T02:30:00Z');
    expect(results.map((r) => [r.status, r.error])).toEqual([
      ['failed', 'target exploded'],
      ['failed', 'target exploded'],
    ]);
    await scheduler.stop();
  });

  it('completes a task when its limit is reached', async () => {
    const { clock, scheduler, calls } = await createHarness();
    const completed: string[] = [];
    scheduler.on('task-completed', (e) => completed.push(e.task_id));
    const task = await scheduler.schedule(recordTask({ rules: [{ cron: '*/10 * * * *' }], limit: 3 }));
    await clock.advanceTo('2026-11-22T02:00:00Z');
    expect(calls).toHaveLength(3);
    expect(completed).toEqual([task.id]);
    expect(await scheduler.get(task.id)).toMatchObject({ status: 'completed', fire_count: 3, next_fire_at: null });
    await scheduler.stop();
  });

  it('fires a one-shot task more than a year ahead (beyond setTimeout’s 24.8-day limit) with one capped timer', async () => {
    const { clock, scheduler, calls } = await createHarness();
    await scheduler.schedule(recordTask({ rules: [{ at: '2028-01-15T08:00:00Z' }] }));
    expect(clock.pendingTimers).toBe(1);
    clock.jumpTo('2028-01-15T07:59:00Z'); // the machine slept; the capped timer notices within 30 s
    await clock.advance(61_000);
    expect(calls.map((c) => c.scheduledAt)).toEqual(['2028-01-15T08:00:00.000Z']);
    await scheduler.stop();
  });

  it('drives many tasks with a single timer', async () => {
    const { clock, scheduler } = await createHarness();
    for (let i = 0; i < 500; i++) await scheduler.schedule(recordTask({ rules: [{ every: `PT${i + 1}M` }] }));
    expect(clock.pendingTimers).toBe(1);
    await scheduler.stop();
    expect(clock.pendingTimers).toBe(0);
  });

  it('pauses, skips the fires while paused, and resumes from now', async () => {
    const { clock, scheduler, calls } = await createHarness();
    const task = await scheduler.schedule(recordTask({ rules: [{ cron: '0 * * * *' }] }));
    await clock.advanceTo('2026-11-22T01:30:00Z');
    expect(calls).toHaveLength(2); // 00:00 (creation instant) and 01:00
    expect(await scheduler.pause(task.id)).toMatchObject({ status: 'paused', next_fire_at: null });
    expect((await scheduler.pause(task.id)).status).toBe('paused');
    await clock.advanceTo('2026-11-22T05:30:00Z');
    expect(calls).toHaveLength(2);
    expect(await scheduler.resume(task.id)).toMatchObject({ status: 'active', next_fire_at: '2026-11-22T06:00:00Z' });
    await clock.advanceTo('2026-11-22T07:30:00Z');
    expect(calls.slice(2).map((c) => c.scheduledAt)).toEqual(['2026-11-22T06:00:00.000Z', '2026-11-22T07:00:00.000Z']);
    await scheduler.stop();
  });

  it('cancels for good; cancelling again is a no-op; a completed task cannot be cancelled', async () => {
    const { clock, scheduler, calls } = await createHarness();
    const task = await scheduler.schedule(recordTask({ rules: [{ cron: '0 * * * *' }] }));
    await clock.advanceTo('2026-11-22T00:30:00Z');
    expect(await scheduler.cancel(task.id)).toMatchObject({ status: 'cancelled', next_fire_at: null });
    expect((await scheduler.cancel(task.id)).status).toBe('cancelled');
    await clock.advanceTo('2026-11-22T05:00:00Z');
    expect(calls).toHaveLength(1);
    await expect(scheduler.resume(task.id)).rejects.toBeInstanceOf(TaskNotActiveError);
    await expect(scheduler.trigger(task.id)).rejects.toMatchObject({ code: 'TASK_NOT_ACTIVE' });

    const once = await scheduler.schedule(recordTask({ rules: [{ at: '2026-11-22T06:00:00Z' }] }));
    await clock.advanceTo('2026-11-22T06:00:01Z');
    await expect(scheduler.cancel(once.id)).rejects.toMatchObject({ code: 'TASK_NOT_ACTIVE' });
    await scheduler.stop();
  });

  it('triggers a run now that does not count towards the limit', async () => {
    const { clock, scheduler, results } = await createHarness();
    const task = await scheduler.schedule(recordTask({ rules: [{ cron: '0 12 * * *' }], limit: 1 }));
    const { run_id } = await scheduler.trigger(task.id);
    await clock.advance(1);
    expect(results).toEqual([expect.objectContaining({ run_id, trigger: 'manual', status: 'success' })]);
    expect((await scheduler.get(task.id)).fire_count).toBe(0);
    await clock.advanceTo('2026-11-23T00:00:00Z');
    expect(results.map((r) => r.trigger)).toEqual(['manual', 'schedule']);
    await scheduler.stop();
    await expect(scheduler.trigger(task.id)).rejects.toBeInstanceOf(SchedulerNotRunningError);
  });

  it('lists by requester and status, a page at a time, and shows upcoming fires', async () => {
    const { scheduler } = await createHarness();
    const a = [];
    for (let i = 0; i < 5; i++) a.push(await scheduler.schedule(recordTask({ rules: [{ cron: `${i} 10 * * *` }] })));
    await scheduler.schedule({ ...recordTask({ rules: [{ cron: '0 10 * * *' }] }), requester_id: 'requester-b' });
    await scheduler.pause(a[1]?.id as string);
    const first = await scheduler.list({ requester_id: 'requester-a', limit: 3 });
    expect(first.tasks.map((t) => t.id)).toEqual(a.slice(0, 3).map((t) => t.id));
    const rest = await scheduler.list({ requester_id: 'requester-a', limit: 3, cursor: first.next_cursor as string });
    expect(rest.tasks.map((t) => t.id)).toEqual(a.slice(3).map((t) => t.id));
    expect(rest.next_cursor).toBeNull();
    expect((await scheduler.list({ status: 'paused' })).tasks.map((t) => t.id)).toEqual([a[1]?.id]);
    expect((await scheduler.upcoming(a[0]?.id as string, 3)).map((d) => d.toISOString())).toEqual([
      '2026-11-22T10:00:00.000Z',
      '2026-11-23T10:00:00.000Z',
      '2026-11-24T10:00:00.000Z',
    ]);
    await expect(scheduler.list({ limit: 0 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      issues: [{ path: 'limit', message: expect.stringContaining('>=1') }],
    });
    await scheduler.stop();
  });

  it('is idempotent for a repeated task_id and refuses the id for a different task', async () => {
    const { clock, scheduler } = await createHarness();
    const input = recordTask({ rules: [{ every: 'P1D' }] }, { task_id: 'invoice-42' });
    const first = await scheduler.schedule(input);
    await clock.advance(60_000);
    const again = await scheduler.schedule({ ...input, target: { ...input.target } });
    expect(again).toMatchObject({ id: 'invoice-42', created_at: first.created_at, fire_count: 1 });
    expect((await scheduler.list()).tasks).toHaveLength(1);
    await expect(scheduler.schedule({ ...input, requester_id: 'someone-else' })).rejects.toBeInstanceOf(
      TaskConflictError,
    );
    await scheduler.stop();
  });
});

describe('Scheduler: bad input gets a clear error naming the field', () => {
  it.each([
    [{ requester_id: 'r', target: { kind: 'function', name: 'record' } }, 'INVALID_ARGUMENT', 'schedule'],
    [
      { schedule: { rules: [{ cron: '0 * * * *' }] }, target: { kind: 'function', name: 'record' } },
      'INVALID_ARGUMENT',
      'requester_id',
    ],
    [
      { requester_id: 'r', schedule: { rules: [{ cron: '0 * * * *' }] }, target: { kind: 'ftp' } },
      'INVALID_ARGUMENT',
      'target.kind',
    ],
    [
      { requester_id: 'r', schedule: { rules: [{ cron: '0 * * * *' }] }, target: { kind: 'function', name: 'nope' } },
      'INVALID_ARGUMENT',
      'target.name',
    ],
    [
      {
        requester_id: 'r',
        schedule: { rules: [{ cron: '0 * * * *' }] },
        target: { kind: 'function', name: 'record', parameters: [1] },
      },
      'INVALID_ARGUMENT',
      'target.parameters',
    ],
    [
      {
        requester_id: 'r',
        schedule: { rules: [{ cron: '0 25 * * *' }] },
        target: { kind: 'function', name: 'record' },
      },
      'SCHEDULE_INVALID',
      'schedule.rules[0].cron',
    ],
    [
      { requester_id: 'r', schedule: [{ hour: 25 }], target: { kind: 'function', name: 'record' } },
      'SCHEDULE_INVALID',
      'schedule[0].hour',
    ],
    [
      {
        requester_id: 'r',
        schedule: { rules: [{ at: '2020-01-01T00:00:00Z' }] },
        target: { kind: 'function', name: 'record' },
      },
      'SCHEDULE_INVALID',
      'schedule',
    ],
    [
      {
        requester_id: 'r',
        schedule: { rules: [{ cron: '0 * * * *' }] },
        target: { kind: 'function', name: 'record' },
        policies: { overlap: 'sometimes' },
      },
      'INVALID_ARGUMENT',
      'policies.overlap',
    ],
    [
      {
        requester_id: 'r',
        task_id: '-bad',
        schedule: { rules: [{ cron: '0 * * * *' }] },
        target: { kind: 'function', name: 'record' },
      },
      'INVALID_ARGUMENT',
      'task_id',
    ],
  ])('%j → %s at %s', async (input, code, path) => {
    const { scheduler } = await createHarness();
    const error = await scheduler.schedule(input as never).catch((e: unknown) => e);
    expect(error).toMatchObject({ code });
    expect((error as { issues: { path: string }[] }).issues.map((i) => i.path)).toContain(path);
    expect((await scheduler.list()).tasks).toHaveLength(0);
    await scheduler.stop();
  });

  it('checks scheduler options and function names', () => {
    expect(() => new Scheduler({ concurrency: 0 })).toThrow(InvalidArgumentError);
    expect(() => new Scheduler().register('', () => 1)).toThrow(/name/);
  });

  it('throws TaskNotFoundError for an unknown id', async () => {
    const { scheduler } = await createHarness();
    await expect(scheduler.get('missing')).rejects.toBeInstanceOf(TaskNotFoundError);
    await expect(scheduler.pause('missing')).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' });
    await scheduler.stop();
  });

  it('reports an `at` in the past as a schedule error, but previews it as empty', async () => {
    const { scheduler } = await createHarness();
    await expect(
      scheduler.schedule({
        requester_id: 'r',
        schedule: { rules: [{ at: '2026-11-21T00:00:00Z' }] },
        target: { kind: 'function', name: 'record' },
      }),
    ).rejects.toBeInstanceOf(ScheduleValidationError);
    await scheduler.stop();
  });
});

describe('Scheduler: limit counts from the schedule’s beginning, not from creation', () => {
  it('a task created after its anchor runs only what is left of its limit', async () => {
    const { clock, scheduler, calls } = await createHarness();
    // every 10 min from 23:40 (yesterday), limit 4: 23:40, 23:50, 00:00, 00:10. Created at 00:00:30.
    await clock.advance(30_000);
    const task = await scheduler.schedule(
      recordTask({ rules: [{ every: 'PT10M', from: '2026-11-21T23:40:00Z' }], limit: 4 }),
    );
    expect(task).toMatchObject({ fire_count: 3, next_fire_at: '2026-11-22T00:10:00Z' });
    await clock.advanceTo('2026-11-22T01:00:00Z');
    expect(calls.map((c) => c.scheduledAt)).toEqual(['2026-11-22T00:10:00.000Z']);
    expect((await scheduler.get(task.id)).status).toBe('completed');
    await expect(
      scheduler.schedule(recordTask({ rules: [{ every: 'PT10M', from: '2026-11-21T23:00:00Z' }], limit: 2 })),
    ).rejects.toMatchObject({ code: 'SCHEDULE_INVALID', issues: [{ path: 'schedule' }] });
    await scheduler.stop();
  });
});

describe('Scheduler: runs of a task that no longer fires', () => {
  it('keeps every manual run of a completed task in flight until it ends, and reads never go stale', async () => {
    const store = new MemoryTaskStore();
    const { clock, scheduler } = await createHarness({ store });
    const gates: (() => void)[] = [];
    scheduler.register('hold', () => {
      const gate = deferred();
      gates.push(gate.resolve);
      return gate.promise.then(() => 'done');
    });
    const task = await scheduler.schedule({
      requester_id: 'r',
      schedule: { rules: [{ at: '2026-11-22T00:00:01Z' }] },
      target: { kind: 'function', name: 'hold' },
    });
    await clock.advance(1000);
    expect((await scheduler.get(task.id)).status).toBe('completed'); // no stale read while the write is batched
    const one = await scheduler.trigger(task.id);
    const two = await scheduler.trigger(task.id);
    await clock.advance(1);
    const inFlight = ((await store.get(task.id)) as TaskRecord).in_flight.map((r) => r.run_id);
    expect(inFlight).toHaveLength(3); // the scheduled run and both manual ones: none overwrote another
    expect(inFlight).toEqual(expect.arrayContaining([one.run_id, two.run_id]));
    for (const open of gates) open();
    await clock.advance(1);
    expect(((await store.get(task.id)) as TaskRecord).in_flight).toEqual([]);
    await scheduler.stop();
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError, Scheduler, ScheduleValidationError, TaskNotActiveError } from '../../src/index.ts';
import { FakeClock } from '../../src/testing/index.ts';
import { createHarness, recordTask } from './helpers.ts';

describe('Scheduler.update', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => stop?.());

  it('re-plans a new schedule at once: the old fires stop, the new ones come', async () => {
    const h = await createHarness();
    stop = () => h.scheduler.stop();
    const task = await h.scheduler.schedule(recordTask({ rules: [{ cron: '0 * * * *' }] }));
    const updated = await h.scheduler.update(task.id, { schedule: { rules: [{ cron: '30 0 * * *' }] } });
    expect(updated.next_fire_at).toBe('2026-11-22T00:30:00Z');
    expect(updated.schedule).toEqual({ timezone: 'UTC', rules: [{ cron: '30 0 * * *' }] });
    await h.clock.advanceTo('2026-11-22T02:00:00Z');
    expect(h.calls.map((c) => c.scheduledAt)).toEqual(['2026-11-22T00:30:00.000Z']);
    expect((await h.scheduler.upcoming(task.id, 2)).map((d) => d.toISOString())).toEqual([
      '2026-11-23T00:30:00.000Z',
      '2026-11-24T00:30:00.000Z',
    ]);
  });

  it('counts limit afresh for a new schedule', async () => {
    const h = await createHarness();
    stop = () => h.scheduler.stop();
    const task = await h.scheduler.schedule(recordTask({ rules: [{ cron: '* * * * *' }], limit: 3 }));
    await h.clock.advanceTo('2026-11-22T00:01:30Z');
    const updated = await h.scheduler.update(task.id, {
      schedule: { rules: [{ every: 'PT1H', from: '2026-11-22T03:00:00Z' }], limit: 2 },
    });
    expect(updated.fire_count).toBe(0);
    await h.clock.advanceTo('2026-11-22T06:00:00Z');
    expect(h.calls.map((c) => c.scheduledAt)).toEqual([
      '2026-11-22T00:00:00.000Z',
      '2026-11-22T00:01:00.000Z',
      '2026-11-22T03:00:00.000Z',
      '2026-11-22T04:00:00.000Z',
    ]);
    expect((await h.scheduler.get(task.id)).status).toBe('completed');
  });

  it('changes the target and merges policies, keeping what the change leaves out', async () => {
    const h = await createHarness();
    stop = () => h.scheduler.stop();
    const task = await h.scheduler.schedule(
      recordTask({ rules: [{ cron: '0 * * * *' }] }, { policies: { retry: { max_attempts: 5 } } }),
    );
    const updated = await h.scheduler.update(task.id, {
      target: { kind: 'function', name: 'record', parameters: { n: 2 } },
      policies: { overlap: 'skip' },
    });
    expect(updated.policies.retry.max_attempts).toBe(5);
    expect(updated.policies.overlap).toBe('skip');
    expect(updated.next_fire_at).toBe(task.next_fire_at);
    await h.clock.advanceTo('2026-11-22T01:00:00Z');
    // The fire due at creation (00:00) had not run yet: it runs the new target too.
    expect(h.calls).toEqual([
      { scheduledAt: '2026-11-22T00:00:00.000Z', parameters: { n: 2 } },
      { scheduledAt: '2026-11-22T01:00:00.000Z', parameters: { n: 2 } },
    ]);
  });

  it('keeps a paused task paused; resume fires the new schedule', async () => {
    const h = await createHarness();
    stop = () => h.scheduler.stop();
    const task = await h.scheduler.schedule(recordTask({ rules: [{ cron: '0 * * * *' }] }));
    await h.scheduler.pause(task.id);
    const updated = await h.scheduler.update(task.id, { schedule: { rules: [{ cron: '15 * * * *' }] } });
    expect(updated.status).toBe('paused');
    expect(updated.next_fire_at).toBeNull();
    await h.clock.advanceTo('2026-11-22T01:00:00Z');
    expect(h.calls).toEqual([]);
    expect((await h.scheduler.resume(task.id)).next_fire_at).toBe('2026-11-22T01:15:00Z');
  });

  it('refuses bad changes with the field path, and leaves the task as it was', async () => {
    const h = await createHarness();
    stop = () => h.scheduler.stop();
    const task = await h.scheduler.schedule(recordTask({ rules: [{ cron: '0 * * * *' }] }));
    await expect(h.scheduler.update(task.id, { schedule: { rules: [{ cron: '61 * * * *' }] } })).rejects.toMatchObject({
      code: 'SCHEDULE_INVALID',
      issues: [{ path: 'schedule.rules[0].cron', message: expect.stringContaining('61') }],
    });
    await expect(h.scheduler.update(task.id, { target: { kind: 'function', name: 'nope' } })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(h.scheduler.update(task.id, { deliver_to: ['amqp'] })).rejects.toMatchObject({
      issues: [{ path: 'deliver_to[0]', message: expect.stringContaining("no result channel 'amqp'") }],
    });
    await expect(
      h.scheduler.update(task.id, { schedule: { rules: [{ at: '2020-01-01T00:00:00Z' }] } }),
    ).rejects.toBeInstanceOf(ScheduleValidationError);
    expect(await h.scheduler.get(task.id)).toEqual(task);
  });

  it('refuses to change a cancelled task', async () => {
    const h = await createHarness();
    stop = () => h.scheduler.stop();
    const task = await h.scheduler.schedule(recordTask({ rules: [{ cron: '0 * * * *' }] }));
    await h.scheduler.cancel(task.id);
    await expect(h.scheduler.update(task.id, { policies: { overlap: 'skip' } })).rejects.toBeInstanceOf(
      TaskNotActiveError,
    );
  });
});

describe('defaultTimezone', () => {
  it('is the zone of schedules that name none', async () => {
    const clock = new FakeClock('2026-11-22T00:00:00Z');
    const scheduler = new Scheduler({ clock, defaultTimezone: 'Asia/Tehran' });
    scheduler.register('noop', () => null);
    const task = await scheduler.schedule({
      requester_id: 'r',
      schedule: [{ minute: '0', hour: '17', day_of_week: 'THU' }],
      target: { kind: 'function', name: 'noop' },
    });
    expect(task.schedule.timezone).toBe('Asia/Tehran');
    // Thursday 26 November 2026, 17:00 in Tehran (UTC+03:30).
    expect(task.next_fire_at).toBe('2026-11-26T13:30:00Z');
  });

  it('is checked when the scheduler is made', () => {
    expect(() => new Scheduler({ defaultTimezone: 'Mars/Olympus' })).toThrow(/defaultTimezone: unknown time zone/);
  });
});

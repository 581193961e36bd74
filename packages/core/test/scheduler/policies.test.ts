import { describe, expect, it } from 'vitest';
import { MemoryTaskStore, Scheduler, StoreError, type TaskRecord } from '../../src/index.ts';
import { FakeClock } from '../../src/testing/index.ts';
import { createHarness, deferred, recordTask, START } from './helpers.ts';

describe('overlap policy (the previous run of the same task is still going)', () => {
  async function slowTask(overlap: 'allow' | 'skip' | 'queue_one') {
    const harness = await createHarness();
    const gates: (() => void)[] = [];
    const started: string[] = [];
    harness.scheduler.register('slow', (_p, context) => {
      started.push(new Date(context.scheduled_at).toISOString().slice(11, 16));
      const gate = deferred();
      gates.push(gate.resolve);
      return gate.promise;
    });
    const skipped: number[] = [];
    harness.scheduler.on('overlap-skipped', (e) => skipped.push(e.scheduled_at));
    await harness.scheduler.schedule({
      requester_id: 'r',
      schedule: { rules: [{ cron: '* * * * *' }] },
      target: { kind: 'function', name: 'slow' },
      policies: { overlap },
    });
    return { ...harness, gates, started, skipped };
  }

  it('allow (default) starts every fire', async () => {
    const { clock, scheduler, started } = await slowTask('allow');
    await clock.advanceTo('2026-11-22T00:03:30Z');
    expect(started).toEqual(['00:00', '00:01', '00:02', '00:03']);
    await scheduler.stop({ timeoutMs: 0 });
  });

  it('skip drops fires while a run is going', async () => {
    const { clock, scheduler, started, gates, skipped } = await slowTask('skip');
    await clock.advanceTo('2026-11-22T00:02:30Z');
    expect(started).toEqual(['00:00']);
    expect(skipped).toHaveLength(2);
    gates[0]?.();
    await clock.advanceTo('2026-11-22T00:03:30Z');
    expect(started).toEqual(['00:00', '00:03']);
    await scheduler.stop({ timeoutMs: 0 });
  });

  it('queue_one keeps one fire and runs it when the current run ends', async () => {
    const { clock, scheduler, started, gates, skipped, results } = await slowTask('queue_one');
    await clock.advanceTo('2026-11-22T00:02:30Z');
    expect(started).toEqual(['00:00']);
    expect(skipped).toHaveLength(1); // 00:01 waits, 00:02 is dropped
    gates[0]?.();
    await clock.advance(1);
    expect(started).toEqual(['00:00', '00:01']);
    expect(results.map((r) => r.scheduled_at)).toEqual(['2026-11-22T00:00:00Z']);
    await scheduler.stop({ timeoutMs: 0 });
  });
});

describe('concurrency limit', () => {
  it('keeps at most `concurrency` runs in flight and starts the rest in order', async () => {
    const { clock, scheduler } = await createHarness({ concurrency: 2 });
    const gates: (() => void)[] = [];
    const started: number[] = [];
    scheduler.register('hold', ({ i }) => {
      started.push(Number(i));
      const gate = deferred();
      gates.push(gate.resolve);
      return gate.promise;
    });
    for (let i = 0; i < 5; i++) {
      await scheduler.schedule({
        requester_id: 'r',
        schedule: { rules: [{ at: '2026-11-22T01:00:00Z' }] },
        target: { kind: 'function', name: 'hold', parameters: { i } },
      });
    }
    await clock.advanceTo('2026-11-22T01:00:00Z');
    expect(started).toEqual([0, 1]);
    gates[0]?.();
    await clock.advance(1);
    expect(started).toEqual([0, 1, 2]);
    for (const open of gates) open();
    await clock.advance(1);
    for (const open of gates) open();
    await clock.advance(1);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    await scheduler.stop();
  });
});

describe('concurrency limit and synchronous functions', () => {
  it('a synchronous function gives its slot back when it returns: none of a burst waits', async () => {
    const { clock, scheduler } = await createHarness({ concurrency: 1 });
    const seen: { running: number; waiting: number }[] = [];
    scheduler.register('sync', () => {
      const { running, waiting } = scheduler.stats().runs;
      seen.push({ running, waiting });
    });
    const results: string[] = [];
    scheduler.on('result', (r) => results.push(r.status));
    for (let i = 0; i < 300; i++) {
      await scheduler.schedule({
        requester_id: 'r',
        schedule: { rules: [{ at: '2026-11-22T01:00:00Z' }] },
        target: { kind: 'function', name: 'sync' },
      });
    }
    await clock.advanceTo('2026-11-22T01:00:00Z');
    expect(seen).toHaveLength(300);
    expect(seen.every((s) => s.running === 1 && s.waiting === 0)).toBe(true);
    expect(results).toEqual(new Array(300).fill('success'));
    await scheduler.stop();
  });

  it('fires at most 2 × concurrency runs that hold or wait for a slot per event-loop turn', async () => {
    const { clock, scheduler } = await createHarness({ concurrency: 40 });
    const gates: (() => void)[] = [];
    let afterFirstTurn: { started: number; running: number; waiting: number } | undefined;
    scheduler.register('hold', () => {
      if (gates.length === 0) {
        // Runs once the timer callback that fired the first slice has returned.
        queueMicrotask(() => {
          afterFirstTurn = { started: gates.length, ...scheduler.stats().runs };
        });
      }
      const gate = deferred();
      gates.push(gate.resolve);
      return gate.promise;
    });
    for (let i = 0; i < 200; i++) {
      await scheduler.schedule({
        requester_id: 'r',
        schedule: { rules: [{ at: '2026-11-22T01:00:00Z' }] },
        target: { kind: 'function', name: 'hold' },
      });
    }
    await clock.advanceTo('2026-11-22T01:00:00Z');
    // The first turn fired 80 (40 running, 40 waiting); the rest followed on later turns.
    expect(afterFirstTurn).toMatchObject({ started: 40, running: 40, waiting: 40 });
    expect(scheduler.stats().runs).toMatchObject({ running: 40, waiting: 160 });
    for (const open of gates) open();
    await scheduler.stop({ timeoutMs: 0 });
  });
});

describe('misfire policy (fires due while the scheduler was down or stalled)', () => {
  /** Schedules an hourly task, stops the scheduler for 5 hours 30 minutes, starts a new one on the same store. */
  async function restartAfterDowntime(misfire: Record<string, unknown>) {
    const store = new MemoryTaskStore();
    const clock = new FakeClock(START);
    const first = new Scheduler({ clock, store });
    first.register('record', () => 'ok');
    await first.start();
    const task = await first.schedule(recordTask({ rules: [{ cron: '0 * * * *' }] }, { policies: { misfire } }));
    await clock.advanceTo('2026-11-22T00:30:00Z'); // 00:00 ran
    await first.stop();

    clock.jumpTo('2026-11-22T06:00:02Z'); // down from 00:30 to 06:00:02: 01:00 … 05:00 missed; 06:00 on time
    const second = new Scheduler({ clock, store });
    const ran: string[] = [];
    const misfires: unknown[] = [];
    second.register('record', (_p, context) => {
      ran.push(new Date(context.scheduled_at).toISOString().slice(11, 16));
      return 'ok';
    });
    second.on('misfire', (e) => misfires.push(e));
    await second.start();
    await clock.advance(1);
    await second.stop();
    return { ran, misfires, task: (await store.get(task.id)) as TaskRecord };
  }

  it('latest (default) runs once for the most recent missed fire, plus the fire on time', async () => {
    const { ran, misfires, task } = await restartAfterDowntime({});
    expect(ran).toEqual(['05:00', '06:00']);
    expect(misfires).toEqual([expect.objectContaining({ run: 1, skipped: 4 })]);
    expect(task.next_fire_at).toBe('2026-11-22T07:00:00Z');
  });

  it('all runs every missed fire in order', async () => {
    const { ran } = await restartAfterDowntime({ catch_up: 'all' });
    expect(ran).toEqual(['01:00', '02:00', '03:00', '04:00', '05:00', '06:00']);
  });

  it('none skips the missed fires', async () => {
    const { ran, misfires } = await restartAfterDowntime({ catch_up: 'none' });
    expect(ran).toEqual(['06:00']);
    expect(misfires).toEqual([expect.objectContaining({ run: 0, skipped: 5 })]);
  });

  it('a grace window skips missed fires older than it, whatever catch_up says', async () => {
    const { ran } = await restartAfterDowntime({ catch_up: 'all', grace_ms: 2.5 * 3600_000 });
    expect(ran).toEqual(['04:00', '05:00', '06:00']);
  });

  it('treats an event-loop stall or a forward clock jump like downtime', async () => {
    const { clock, scheduler, calls } = await createHarness();
    const overdue: unknown[] = [];
    scheduler.on('timer-overdue', (e) => overdue.push(e));
    await scheduler.schedule(recordTask({ rules: [{ cron: '*/10 * * * *' }] }));
    await clock.advance(1);
    clock.jumpTo('2026-11-22T01:05:00Z');
    await clock.advance(30_000);
    expect(calls.map((c) => c.scheduledAt.slice(11, 16))).toEqual(['00:00', '01:00']);
    expect(overdue).toHaveLength(1);
    await scheduler.stop();
  });

  it('re-arms instead of firing when the wall clock is set back', async () => {
    const { clock, scheduler, calls } = await createHarness();
    const premature: unknown[] = [];
    scheduler.on('timer-premature', (e) => premature.push(e));
    await scheduler.schedule(recordTask({ rules: [{ at: '2026-11-22T00:00:20Z' }] }));
    clock.jumpTo('2026-11-21T23:00:00Z'); // NTP stepped the clock back an hour
    await clock.advance(20_000);
    expect(calls).toHaveLength(0);
    expect(premature).toHaveLength(1);
    await clock.advanceTo('2026-11-22T00:00:20Z');
    expect(calls).toHaveLength(1);
    await scheduler.stop();
  });
});

describe('lifecycle', () => {
  it('start and stop are idempotent and stop waits for runs in flight', async () => {
    const { clock, scheduler, results } = await createHarness();
    await scheduler.start();
    const gate = deferred();
    scheduler.register('wait', () => gate.promise.then(() => 'done'));
    await scheduler.schedule({
      requester_id: 'r',
      schedule: { rules: [{ at: '2026-11-22T00:00:01Z' }] },
      target: { kind: 'function', name: 'wait' },
    });
    await clock.advance(1000);
    const stopping = scheduler.stop();
    const again = scheduler.stop();
    gate.resolve();
    await Promise.all([stopping, again]);
    expect(results.map((r) => r.content)).toEqual(['done']);
    expect(scheduler.running).toBe(false);
  });

  it('aborts runs still going after the stop deadline, keeps them in flight, and runs them again at the next start', async () => {
    const store = new MemoryTaskStore();
    const { clock, scheduler, results } = await createHarness({ store });
    const aborted: unknown[] = [];
    scheduler.register(
      'hang',
      (_p, context) =>
        new Promise((_resolve, reject) =>
          context.signal.addEventListener('abort', () => {
            aborted.push(context.signal.reason);
            reject(context.signal.reason);
          }),
        ),
    );
    const task = await scheduler.schedule({
      requester_id: 'r',
      schedule: { rules: [{ at: '2026-11-22T00:00:01Z' }] },
      target: { kind: 'function', name: 'hang' },
    });
    await clock.advance(1000);
    await scheduler.stop({ timeoutMs: 10 });
    expect(aborted).toHaveLength(1);
    expect(results).toEqual([]);
    const stored = (await store.get(task.id)) as TaskRecord;
    expect(stored).toMatchObject({
      status: 'completed',
      in_flight: [{ scheduled_at: '2026-11-22T00:00:01Z', trigger: 'schedule' }],
    });

    const next = new Scheduler({ clock, store });
    const keys: string[] = [];
    next.register('hang', (_p, context) => keys.push(context.idempotency_key));
    const rerun: string[] = [];
    next.on('result', (r) => rerun.push(r.run_id));
    await next.start();
    await clock.advance(1);
    expect(keys).toEqual([`${task.id}:2026-11-22T00:00:01Z`]);
    expect(rerun).toEqual([stored.in_flight[0]?.run_id]);
    expect((await next.get(task.id)).in_flight).toEqual([]);
    await next.stop();
  });

  it('restores active and paused tasks from the store on start', async () => {
    const store = new MemoryTaskStore();
    const clock = new FakeClock(START);
    const first = new Scheduler({ clock, store });
    first.register('record', () => 1);
    const kept = await first.schedule(recordTask({ rules: [{ cron: '0 12 * * *' }] }));
    const paused = await first.schedule(recordTask({ rules: [{ cron: '0 13 * * *' }] }));
    await first.pause(paused.id);
    await first.stop();
    const second = new Scheduler({ clock, store });
    const ran: string[] = [];
    second.register('record', (_p, c) => ran.push(c.task.id));
    await second.start();
    await clock.advanceTo('2026-11-22T14:00:00Z');
    expect(ran).toEqual([kept.id]);
    expect((await second.get(paused.id)).status).toBe('paused');
    await second.stop();
  });
});

describe('store failures are never silent', () => {
  class FailingStore extends MemoryTaskStore {
    failInserts = false;
    failUpdates = false;
    override async insert(task: TaskRecord) {
      if (this.failInserts) throw new StoreError('disk full');
      return super.insert(task);
    }
    override async update(task: TaskRecord) {
      if (this.failUpdates) throw new StoreError('disk full');
      return super.update(task);
    }
  }

  it('does not acknowledge a task the store could not write', async () => {
    const store = new FailingStore();
    const { scheduler, clock, calls } = await createHarness({ store });
    store.failInserts = true;
    await expect(scheduler.schedule(recordTask({ rules: [{ cron: '* * * * *' }] }))).rejects.toBeInstanceOf(StoreError);
    await clock.advance(120_000);
    expect(calls).toHaveLength(0);
    await scheduler.stop();
  });

  it('undoes a pause the store could not write, and reports failed writes of fires', async () => {
    const store = new FailingStore();
    const { scheduler, clock } = await createHarness({ store });
    const errors: Error[] = [];
    scheduler.on('error', (e) => errors.push(e));
    const task = await scheduler.schedule(recordTask({ rules: [{ cron: '0 * * * *' }] }));
    store.failUpdates = true;
    await expect(scheduler.pause(task.id)).rejects.toBeInstanceOf(StoreError);
    expect((await scheduler.get(task.id)).status).toBe('active');
    await clock.advanceTo('2026-11-22T01:00:00Z');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toBeInstanceOf(StoreError);
    store.failUpdates = false;
    await scheduler.stop();
  });
});

describe('misfire after a very long stall', () => {
  it('skips past more than a million missed fires in bounded time and fires on', { timeout: 60_000 }, async () => {
    const { clock, scheduler, calls } = await createHarness();
    const misfires: { run: number; skipped: number }[] = [];
    scheduler.on('misfire', (e) => misfires.push(e));
    await scheduler.schedule(recordTask({ rules: [{ every: 'PT1S', from: '2026-11-22T00:00:00Z' }] }));
    await clock.advance(1); // fire 0
    clock.jumpTo('2026-12-06T00:00:00Z'); // 14 days: 1,209,600 per-second fires missed
    await clock.advance(30_000);
    expect(misfires).toHaveLength(1);
    expect(misfires[0]?.run).toBe(1); // catch_up latest: one run for the most recent
    expect(misfires[0]?.skipped).toBeGreaterThan(1000);
    const after = calls.slice(1).map((c) => c.scheduledAt);
    // The latest missed fire (more than the 5 s threshold late when processed), then on-time fires.
    const [latest, ...onTime] = after.map((iso) => Date.parse(iso));
    const processedAt = Date.parse('2026-12-06T00:00:00Z') + 1000; // the capped timer's next wake
    expect(processedAt - (latest as number)).toBeGreaterThan(5000);
    expect(processedAt - (latest as number)).toBeLessThanOrEqual(6000);
    expect(onTime.length).toBeGreaterThan(20);
    expect(onTime.every((t, i) => i === 0 || t - (onTime[i - 1] as number) === 1000)).toBe(true);
    await scheduler.stop();
  });
});

describe('a function that changes its own task while it runs', () => {
  it('cancelling it synchronously stops it for good; the run still counts and finishes', async () => {
    const clock = new FakeClock('2026-11-22T00:00:00Z');
    const scheduler = new Scheduler({ clock });
    let id = '';
    const calls: string[] = [];
    scheduler.register('self-cancel', (_parameters, context) => {
      calls.push(new Date(context.scheduled_at).toISOString());
      void scheduler.cancel(id);
      return 'cancelled myself';
    });
    const results: string[] = [];
    scheduler.on('result', (result) => results.push(`${result.status}:${result.content}`));
    await scheduler.start();
    id = (
      await scheduler.schedule({
        requester_id: 'r',
        schedule: { rules: [{ every: 'PT1M' }] },
        target: { kind: 'function', name: 'self-cancel' },
      })
    ).id;
    await clock.advance(60_000);
    await clock.advance(60_000);
    await clock.advance(60_000);
    const record = await scheduler.get(id);
    await scheduler.stop();
    expect(calls).toEqual(['2026-11-22T00:00:00.000Z']);
    expect(record).toMatchObject({ status: 'cancelled', next_fire_at: null, fire_count: 1, in_flight: [] });
    expect(results).toEqual(['success:cancelled myself']);
  });
});

import { describe, expect, it } from 'vitest';
import { type DeliveryRetry, MemoryTaskStore, type ResultChannel, type RunResult, Scheduler } from '../../src/index.ts';
import { retryDelay } from '../../src/scheduler/retry.ts';
import { FakeClock } from '../../src/testing/index.ts';
import { createHarness, START } from './helpers.ts';

describe('retry policy', () => {
  const policy = { max_attempts: 4, backoff_base_ms: 1000, backoff_cap_ms: 5000 };
  const failed = { status: 'failed' as const, content: null, error: 'x', retryable: true };

  it('backs off with full jitter: uniform in [0, min(cap, base × 2^(n-1))]', () => {
    expect(retryDelay(1, failed, policy, () => 0.999)).toBe(999);
    expect(retryDelay(2, failed, policy, () => 0.999)).toBe(1998);
    expect(retryDelay(3, failed, policy, () => 0.999)).toBe(3996);
    expect(retryDelay(3, failed, policy, () => 0)).toBe(0);
    expect(retryDelay(3, failed, { ...policy, max_attempts: 10 }, () => 0.5)).toBe(2000);
    expect(retryDelay(8, failed, { ...policy, max_attempts: 10 }, () => 0.999)).toBe(4995); // capped
  });

  it('stops at max_attempts, on success, and on failures that are not retryable', () => {
    expect(retryDelay(4, failed, policy)).toBe(-1);
    expect(retryDelay(1, { ...failed, retryable: false }, policy)).toBe(-1);
    expect(retryDelay(1, { status: 'success', content: 'ok', error: null }, policy)).toBe(-1);
  });

  it('honours Retry-After as a lower bound, up to an hour', () => {
    expect(retryDelay(1, { ...failed, retry_after_ms: 30_000 }, policy, () => 0.5)).toBe(30_000);
    expect(retryDelay(1, { ...failed, retry_after_ms: 10 }, policy, () => 0.5)).toBe(500);
    expect(retryDelay(1, { ...failed, retry_after_ms: 86_400_000 }, policy, () => 0)).toBe(3_600_000);
  });

  it('retries a failing function until it succeeds, reporting one result with the attempts', async () => {
    const { clock, scheduler, results } = await createHarness();
    let calls = 0;
    const keys = new Set<string>();
    scheduler.register('flaky', (_p, context) => {
      keys.add(context.idempotency_key);
      calls++;
      if (context.attempt < 3) throw new Error(`attempt ${context.attempt} failed`);
      return 'third time lucky';
    });
    await scheduler.schedule({
      requester_id: 'r',
      schedule: { rules: [{ at: '2026-11-22T00:00:10Z' }] },
      target: { kind: 'function', name: 'flaky' },
      policies: { retry: { max_attempts: 5, backoff_base_ms: 100, backoff_cap_ms: 200 } },
    });
    await clock.advance(11_000);
    expect(calls).toBe(3);
    expect(keys.size).toBe(1);
    expect(results).toEqual([expect.objectContaining({ status: 'success', attempts: 3, content: 'third time lucky' })]);
    await scheduler.stop();
  });

  it('reports the last failure after max_attempts', async () => {
    const { clock, scheduler, results } = await createHarness();
    scheduler.register('down', (_p, c) => {
      throw new Error(`down on attempt ${c.attempt}`);
    });
    await scheduler.schedule({
      requester_id: 'r',
      schedule: { rules: [{ at: '2026-11-22T00:00:10Z' }] },
      target: { kind: 'function', name: 'down' },
      policies: { retry: { max_attempts: 2, backoff_base_ms: 0, backoff_cap_ms: 0 } },
    });
    await clock.advance(11_000);
    expect(results).toEqual([expect.objectContaining({ status: 'failed', attempts: 2, error: 'down on attempt 2' })]);
    await scheduler.stop();
  });

  it('refuses a cap below the base, naming the field', async () => {
    const { scheduler } = await createHarness();
    await expect(
      scheduler.schedule({
        requester_id: 'r',
        schedule: { rules: [{ cron: '* * * * *' }] },
        target: { kind: 'function', name: 'record' },
        policies: { retry: { backoff_base_ms: 5000, backoff_cap_ms: 100 } },
      }),
    ).rejects.toMatchObject({ issues: [{ path: 'policies.retry.backoff_cap_ms' }] });
    await scheduler.stop();
  });
});

describe('run history', () => {
  it('keeps the newest runs of each task, newest first', async () => {
    const { clock, scheduler } = await createHarness({ runRetention: 3 });
    const task = await scheduler.schedule({
      requester_id: 'r',
      schedule: { rules: [{ cron: '* * * * *' }] },
      target: { kind: 'function', name: 'record' },
    });
    await clock.advanceTo('2026-11-22T00:04:30Z');
    const page = await scheduler.runs(task.id, { limit: 2 });
    expect(page.runs.map((r) => r.scheduled_at)).toEqual(['2026-11-22T00:04:00Z', '2026-11-22T00:03:00Z']);
    const rest = await scheduler.runs(task.id, { limit: 2, cursor: page.next_cursor as string });
    expect(rest.runs.map((r) => r.scheduled_at)).toEqual(['2026-11-22T00:02:00Z']);
    expect(rest.next_cursor).toBeNull();
    await expect(scheduler.runs('missing')).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' });
    await scheduler.stop();
  });
});

describe('result channels and the outbox', () => {
  /** A channel that fails until `up` is set, recording what it delivered. */
  function flakyChannel(name: string) {
    const delivered: RunResult[] = [];
    const channel: ResultChannel & { up: boolean; delivered: RunResult[] } = {
      up: false,
      delivered,
      name,
      async deliver(result: RunResult) {
        if (!channel.up) throw new Error(`${name} is down`);
        delivered.push(result);
      },
    };
    return channel;
  }

  it('keeps a result in the outbox until every channel confirms, retrying the one that is down', async () => {
    const store = new MemoryTaskStore();
    const up = flakyChannel('amqp');
    up.up = true;
    const down = flakyChannel('ws');
    const { clock, scheduler } = await createHarness({ store, channels: [up, down] });
    // A channel that does not take a result is a retry, not a scheduler error.
    const errors: Error[] = [];
    const retries: DeliveryRetry[] = [];
    scheduler.on('error', (error) => errors.push(error));
    scheduler.on('delivery-retry', (retry) => retries.push(retry));
    await scheduler.schedule({
      requester_id: 'r',
      schedule: { rules: [{ at: '2026-11-22T00:00:05Z' }] },
      target: { kind: 'function', name: 'record' },
    });
    await clock.advance(6000);
    expect(up.delivered).toHaveLength(1);
    expect(down.delivered).toHaveLength(0);
    // Fired at 5 s, retried at 6 s: two refusals so far, with the backoff doubling.
    expect(retries[0]).toEqual({
      run_id: up.delivered[0]?.run_id,
      channel: 'ws',
      error: new Error('ws is down'),
      retry_in_ms: 1000,
    });
    expect(retries.map((r) => r.retry_in_ms)).toEqual([1000, 2000]);
    expect(errors).toEqual([]);
    expect(await store.listOutbox({ limit: 10 })).toEqual([expect.objectContaining({ pending: ['ws'] })]);
    down.up = true;
    await clock.advance(2000); // the first retry comes after 1 s
    expect(down.delivered).toHaveLength(1);
    expect(await store.listOutbox({ limit: 10 })).toEqual([]);
    await scheduler.stop();
  });

  it('delivers at the next start what a previous process left in the outbox', async () => {
    const store = new MemoryTaskStore();
    const clock = new FakeClock(START);
    const first = new Scheduler({ clock, store, channels: [flakyChannel('amqp')] });
    first.on('error', () => {});
    first.register('record', () => 'ok');
    await first.start();
    await first.schedule({
      requester_id: 'r',
      schedule: { rules: [{ at: '2026-11-22T00:00:05Z' }] },
      target: { kind: 'function', name: 'record' },
    });
    await clock.advance(6000);
    await first.stop();
    expect(await store.listOutbox({ limit: 10 })).toHaveLength(1);

    const channel = flakyChannel('amqp');
    channel.up = true;
    const second = new Scheduler({ clock, store, channels: [channel] });
    await second.start();
    await clock.advance(1);
    expect(channel.delivered.map((r) => r.content)).toEqual(['ok']);
    expect(await store.listOutbox({ limit: 10 })).toEqual([]);
    await second.stop();
  });
});

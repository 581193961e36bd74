import type { ServerResponse } from 'node:http';
import { type RunResult, Scheduler, type TaskPoliciesInput } from '@br-sdk/schedule';
import { FakeClock } from '@br-sdk/schedule/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { HttpExecutor, type HttpExecutorOptions } from '../src/index.ts';
import { closedPort, type Handler, startServer, waitFor } from './helpers.ts';

const START = '2026-11-22T00:00:00Z';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The real Scheduler with an HttpExecutor, on a fake clock (or the system clock), against a real
 * server. Requests travel on real sockets, so tests move the fake clock in steps with short real
 * pauses between them for the I/O to happen.
 */
async function createHarness(
  handler: Handler,
  options: { clock?: FakeClock | 'system'; executor?: HttpExecutorOptions } = {},
) {
  const server = await startServer(handler);
  const fake = options.clock === 'system' ? null : (options.clock ?? new FakeClock(START));
  const executor = new HttpExecutor(options.executor);
  const scheduler = new Scheduler({ executors: [executor], ...(fake ? { clock: fake } : {}) });
  const results: RunResult[] = [];
  const skipped: number[] = [];
  scheduler.on('result', (result) => results.push(result));
  scheduler.on('overlap-skipped', (event) => skipped.push(event.scheduled_at));
  await scheduler.start();
  onTestFinished(async () => {
    await scheduler.stop({ timeoutMs: 0 });
    await executor.close();
  });
  const schedule = (schedule: unknown, target: Record<string, unknown> = {}, policies?: TaskPoliciesInput) =>
    scheduler.schedule({
      requester_id: 'requester-a',
      schedule,
      target: { kind: 'http', uri: `${server.url}/hook`, method: 'POST', parameters: { a: 1 }, ...target },
      ...(policies ? { policies } : {}),
    });
  return { ...server, clock: fake as FakeClock, scheduler, executor, results, skipped, schedule };
}

/** Moves the fake clock `stepMs` at a time, pausing for real I/O, until `predicate` holds. */
async function driveUntil(clock: FakeClock, predicate: () => boolean, stepMs = 1000, timeoutMs = 10_000) {
  const end = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > end) throw new Error(`not reached within ${timeoutMs} ms (fake time ${clock.now()})`);
    await clock.advance(stepMs);
    await sleep(3);
  }
}

/** Moves the fake clock to `instant` in `stepMs` steps, pausing for real I/O after each. */
async function stepTo(clock: FakeClock, instant: string, stepMs = 1000) {
  const target = Date.parse(instant);
  while (clock.now() < target) {
    await clock.advanceTo(Math.min(target, clock.now() + stepMs));
    await sleep(3);
  }
}

const at = (instant: string) => ({ rules: [{ at: instant }] });

describe('HttpExecutor in the Scheduler: retries', () => {
  it('retries a 503 up to max_attempts with the same Idempotency-Key, and reports the last status and body', async () => {
    const h = await createHarness((_r, res) => {
      res.statusCode = 503;
      res.end('busy');
    });
    const task = await h.schedule(at('2026-11-22T00:01:00Z'), {}, { retry: { max_attempts: 3 } });
    await driveUntil(h.clock, () => h.results.length === 1);
    expect(h.requests.map((r) => [r.headers['idempotency-key'], r.headers['x-br-attempt']])).toEqual([
      [`${task.id}:2026-11-22T00:01:00Z`, '1'],
      [`${task.id}:2026-11-22T00:01:00Z`, '2'],
      [`${task.id}:2026-11-22T00:01:00Z`, '3'],
    ]);
    expect(new Set(h.requests.map((r) => r.headers['x-br-run-id']))).toEqual(new Set([h.results[0]?.run_id]));
    expect(h.results[0]).toMatchObject({
      task_id: task.id,
      scheduled_at: '2026-11-22T00:01:00Z',
      attempts: 3,
      status: 'failed',
      http_status: 503,
      content: 'busy',
      error: 'HTTP 503',
      truncated: false,
    });
  });

  it('stops retrying at the first 2xx; the result is that response', async () => {
    let calls = 0;
    const h = await createHarness((request, res) => {
      calls++;
      res.statusCode = calls === 1 ? 503 : 201;
      res.end(calls === 1 ? 'busy' : JSON.stringify({ created: true, got: JSON.parse(request.body) }));
    });
    await h.schedule(at('2026-11-22T00:01:00Z'), {}, { retry: { max_attempts: 5 } });
    await driveUntil(h.clock, () => h.results.length === 1);
    expect(h.requests).toHaveLength(2);
    expect(h.results[0]).toMatchObject({
      attempts: 2,
      status: 'success',
      http_status: 201,
      content: '{"created":true,"got":{"a":1}}',
      error: null,
    });
  });

  it('does not retry a 400', async () => {
    const h = await createHarness((_r, res) => {
      res.statusCode = 400;
      res.end('{"error":"bad team"}');
    });
    await h.schedule(at('2026-11-22T00:01:00Z'), {}, { retry: { max_attempts: 5 } });
    await driveUntil(h.clock, () => h.results.length === 1);
    await h.clock.advance(120_000);
    expect(h.requests).toHaveLength(1);
    expect(h.results[0]).toMatchObject({
      attempts: 1,
      status: 'failed',
      http_status: 400,
      content: '{"error":"bad team"}',
    });
  });

  it('retries a refused connection, reporting the network error', async () => {
    const h = await createHarness(() => {});
    const port = await closedPort();
    await h.schedule(at('2026-11-22T00:01:00Z'), { uri: `http://127.0.0.1:${port}/` }, { retry: { max_attempts: 2 } });
    await driveUntil(h.clock, () => h.results.length === 1);
    expect(h.results[0]).toMatchObject({
      attempts: 2,
      status: 'failed',
      http_status: null,
      content: null,
      error: `ECONNREFUSED 127.0.0.1:${port}`,
    });
  });

  it('passes truncation through to the result', async () => {
    const h = await createHarness((_r, res) => res.end('z'.repeat(10_000)), { executor: { maxContentBytes: 100 } });
    await h.schedule(at('2026-11-22T00:01:00Z'));
    await driveUntil(h.clock, () => h.results.length === 1);
    expect(h.results[0]).toMatchObject({ status: 'success', content: 'z'.repeat(100), truncated: true });
  });

  it('waits for a Retry-After longer than the backoff cap (fake clock)', async () => {
    const h = await createHarness((_r, res) => {
      res.statusCode = h.requests.length === 1 ? 429 : 200;
      if (h.requests.length === 1) res.setHeader('retry-after', '120');
      res.end('ok');
    });
    await h.schedule(
      at('2026-11-22T00:01:00Z'),
      {},
      { retry: { max_attempts: 3, backoff_base_ms: 100, backoff_cap_ms: 1000 } },
    );
    await stepTo(h.clock, '2026-11-22T00:01:00Z');
    await waitFor(() => h.requests.length === 1);
    await sleep(20);
    await stepTo(h.clock, '2026-11-22T00:02:59Z', 10_000);
    expect(h.requests).toHaveLength(1);
    await driveUntil(h.clock, () => h.results.length === 1);
    expect(h.requests).toHaveLength(2);
    expect(h.results[0]).toMatchObject({ attempts: 2, status: 'success' });
    expect(h.clock.now()).toBeGreaterThanOrEqual(Date.parse('2026-11-22T00:03:00Z'));
  });

  it('waits for a Retry-After longer than the backoff cap (real clock, gap measured at the server)', async () => {
    const h = await createHarness(
      (_r, res) => {
        res.statusCode = h.requests.length === 1 ? 503 : 200;
        if (h.requests.length === 1) res.setHeader('retry-after', '1');
        res.end('ok');
      },
      { clock: 'system' },
    );
    await h.schedule(
      at(new Date(Date.now() + 200).toISOString()),
      {},
      { retry: { max_attempts: 3, backoff_base_ms: 10, backoff_cap_ms: 50 } },
    );
    await waitFor(() => h.results.length === 1, 5000, 'the result');
    const [first, second] = h.requests;
    const gap = (second?.at ?? 0) - (first?.at ?? 0);
    // Without Retry-After the wait would be at most 50 ms (the cap).
    expect(gap).toBeGreaterThanOrEqual(990);
    expect(gap).toBeLessThan(2000);
    expect(h.results[0]).toMatchObject({ attempts: 2, status: 'success', http_status: 200 });
  });
});

describe('HttpExecutor in the Scheduler: overlap policies with a slow target', () => {
  /** A server that holds every response until `release()`; a task firing every minute from 00:00. */
  async function slowTask(overlap: 'allow' | 'skip' | 'queue_one') {
    const held: ServerResponse[] = [];
    const h = await createHarness((_r, res) => held.push(res));
    const release = () => {
      for (const res of held.splice(0)) res.end('done');
    };
    await h.schedule({ rules: [{ cron: '* * * * *' }] }, { method: 'GET', parameters: {} }, { overlap });
    const firedFor = () => h.requests.map((r) => String(r.headers['x-br-scheduled-at']).slice(11, 16));
    return { ...h, held, release, firedFor };
  }

  it('allow starts every fire while the previous runs are still waiting', async () => {
    const h = await slowTask('allow');
    await stepTo(h.clock, '2026-11-22T00:03:30Z', 30_000);
    await waitFor(() => h.requests.length === 4);
    expect(h.firedFor()).toEqual(['00:00', '00:01', '00:02', '00:03']);
    h.release();
    await driveUntil(h.clock, () => h.results.length === 4, 1);
    expect(h.results.map((r) => r.content)).toEqual(['done', 'done', 'done', 'done']);
  });

  it('skip drops fires while a run is going', async () => {
    const h = await slowTask('skip');
    await stepTo(h.clock, '2026-11-22T00:02:30Z', 30_000);
    expect(h.firedFor()).toEqual(['00:00']);
    expect(h.skipped).toHaveLength(2);
    h.release();
    await driveUntil(h.clock, () => h.results.length === 1, 1);
    await stepTo(h.clock, '2026-11-22T00:03:30Z', 30_000);
    await waitFor(() => h.requests.length === 2);
    expect(h.firedFor()).toEqual(['00:00', '00:03']);
  });

  it('queue_one keeps one fire and sends it when the current run ends', async () => {
    const h = await slowTask('queue_one');
    await stepTo(h.clock, '2026-11-22T00:02:30Z', 30_000);
    expect(h.firedFor()).toEqual(['00:00']);
    expect(h.skipped).toHaveLength(1); // 00:01 waits, 00:02 is dropped
    h.release();
    await driveUntil(h.clock, () => h.requests.length === 2, 1);
    expect(h.firedFor()).toEqual(['00:00', '00:01']);
    expect(h.results.map((r) => r.scheduled_at)).toEqual(['2026-11-22T00:00:00Z']);
  });
});

describe('HttpExecutor in the Scheduler: stop', () => {
  it("stop() aborts a request in progress through the run context's signal, leaving the run in flight", async () => {
    const h = await createHarness(() => {});
    const task = await h.schedule(at('2026-11-22T00:01:00Z'), { timeout_ms: 60_000 });
    await stepTo(h.clock, '2026-11-22T00:01:00Z');
    await waitFor(() => h.requests.length === 1);
    const t0 = performance.now();
    await h.scheduler.stop({ timeoutMs: 50 });
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(h.results).toHaveLength(0);
    expect((await h.scheduler.get(task.id)).in_flight).toHaveLength(1);
  });
});

import assert from 'node:assert/strict';
import { TaskConflictError } from '../errors.ts';
import type { TaskRecord } from '../scheduler/task.ts';
import type { TaskStore } from '../store/task-store.ts';
import { sampleTaskRecord as record, sampleRunResult as run } from './samples.ts';

/** Registers one test; vitest's `it`, node:test's `test` and mocha's `it` all fit. */
export type TestRegistrar = (name: string, fn: () => Promise<void>) => void;

/**
 * The behaviour every {@link TaskStore} must have. Adapter packages run it against the real
 * backend: `taskStoreContract(it, async () => new SqliteTaskStore({ path: tempFile() }))`.
 */
export function taskStoreContract(test: TestRegistrar, createStore: () => TaskStore | Promise<TaskStore>): void {
  const withStore = (name: string, fn: (store: TaskStore) => Promise<void>) =>
    test(`TaskStore contract: ${name}`, async () => {
      const store = await createStore();
      try {
        await fn(store);
      } finally {
        await store.close?.();
      }
    });

  withStore('gives back what it was given', async (store) => {
    const task = record('0001');
    await store.insert(task);
    assert.deepEqual(await store.get('0001'), task);
    assert.equal(await store.get('missing'), undefined);
  });

  withStore('refuses a second task with the same id', async (store) => {
    await store.insert(record('0001'));
    await assert.rejects(store.insert(record('0001', { requester_id: 'other' })), TaskConflictError);
    assert.equal((await store.get('0001'))?.requester_id, 'requester-a');
  });

  withStore('lets exactly one of two concurrent inserts of one id succeed', async (store) => {
    const results = await Promise.allSettled([
      store.insert(record('0001')),
      store.insert(record('0001', { requester_id: 'b' })),
    ]);
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    const rejected = results.find((r) => r.status === 'rejected');
    assert.ok(rejected && rejected.reason instanceof TaskConflictError);
  });

  withStore('keeps ids and requester ids with separators and odd characters apart', async (store) => {
    await store.insert(record('a', { requester_id: ':colon' }));
    await store.insert(record('a:b', { requester_id: 'x' }));
    await store.recordRun(run('a', 'run-1'), { retain: 10, channels: [] });
    await store.recordRun(run('a:b', 'run-2'), { retain: 10, channels: [] });
    assert.equal((await store.get('a:b'))?.requester_id, 'x');
    assert.deepEqual(
      (await store.list({ requester_id: ':colon' })).tasks.map((t) => t.id),
      ['a'],
    );
    assert.deepEqual(
      (await store.listRuns('a', {})).runs.map((r) => r.run_id),
      ['run-1'],
    );
    assert.deepEqual(
      (await store.listRuns('a:b', {})).runs.map((r) => r.run_id),
      ['run-2'],
    );
  });

  withStore('replaces a record on update', async (store) => {
    await store.insert(record('0001'));
    const updated = record('0001', {
      status: 'paused',
      fire_count: 3,
      next_fire_at: null,
      last_run: run('0001', 'run-1', { status: 'failed', http_status: 503, error: 'HTTP 503', attempts: 3 }),
      in_flight: [{ run_id: 'run-2', scheduled_at: '2026-12-03T17:00:00Z', trigger: 'schedule' }],
    });
    await store.update(updated);
    assert.deepEqual(await store.get('0001'), updated);
  });

  withStore('lists by requester and status, in id order, a page at a time', async (store) => {
    for (const [id, requester_id, status] of [
      ['0003', 'a', 'active'],
      ['0001', 'a', 'paused'],
      ['0002', 'b', 'active'],
      ['0005', 'a', 'cancelled'],
      ['0004', 'a', 'active'],
    ] as const) {
      await store.insert(record(id, { requester_id, status }));
    }
    const ids = (page: { tasks: readonly TaskRecord[] }) => page.tasks.map((t) => t.id);
    const first = await store.list({ requester_id: 'a', limit: 2 });
    assert.deepEqual(ids(first), ['0001', '0003']);
    assert.notEqual(first.next_cursor, null);
    const second = await store.list({ requester_id: 'a', limit: 2, cursor: first.next_cursor as string });
    assert.deepEqual(ids(second), ['0004', '0005']);
    assert.equal(second.next_cursor, null);
    assert.deepEqual(ids(await store.list({ status: 'active' })), ['0002', '0003', '0004']);
    assert.deepEqual(ids(await store.list({ status: ['paused', 'cancelled'] })), ['0001', '0005']);
    assert.deepEqual(ids(await store.list({ requester_id: 'nobody' })), []);
  });

  withStore('loads the tasks that may still fire or have runs in flight', async (store) => {
    const inFlight = [{ run_id: 'r', scheduled_at: '2026-11-26T17:00:00Z', trigger: 'schedule' as const }];
    await store.insert(record('0001', { status: 'active' }));
    await store.insert(record('0002', { status: 'paused' }));
    await store.insert(record('0003', { status: 'completed' }));
    await store.insert(record('0004', { status: 'cancelled' }));
    await store.insert(record('0005', { status: 'completed', in_flight: inFlight }));
    const ids = (await store.loadSchedulable()).map((t) => t.id).sort();
    assert.deepEqual(ids, ['0001', '0002', '0005']);
  });

  withStore('keeps the newest runs of each task, newest first, a page at a time', async (store) => {
    for (let i = 1; i <= 5; i++) await store.recordRun(run('task-a', `run-0${i}`), { retain: 3, channels: [] });
    await store.recordRun(run('task-b', 'run-09'), { retain: 3, channels: [] });
    const first = await store.listRuns('task-a', { limit: 2 });
    assert.deepEqual(
      first.runs.map((r) => r.run_id),
      ['run-05', 'run-04'],
    );
    assert.notEqual(first.next_cursor, null);
    const second = await store.listRuns('task-a', { limit: 2, cursor: first.next_cursor as string });
    assert.deepEqual(
      second.runs.map((r) => r.run_id),
      ['run-03'],
    );
    assert.equal(second.next_cursor, null);
    assert.deepEqual(await store.listRuns('task-b', {}), { runs: [run('task-b', 'run-09')], next_cursor: null });
    assert.deepEqual((await store.listRuns('nobody', {})).runs, []);
  });

  withStore('holds results in the outbox until every channel confirms', async (store) => {
    await store.recordRun(run('task-a', 'run-01'), { retain: 100, channels: ['amqp', 'ws'] });
    await store.recordRun(run('task-a', 'run-02'), { retain: 100, channels: [] });
    await store.recordRun(run('task-a', 'run-03'), { retain: 100, channels: ['amqp'] });
    assert.deepEqual(await store.listOutbox({ limit: 10 }), [
      { result: run('task-a', 'run-01'), pending: ['amqp', 'ws'] },
      { result: run('task-a', 'run-03'), pending: ['amqp'] },
    ]);
    await store.confirmDelivery('run-01', 'amqp');
    await store.confirmDelivery('run-03', 'amqp');
    await store.confirmDelivery('run-03', 'amqp'); // a repeated confirmation is harmless
    assert.deepEqual(await store.listOutbox({ limit: 10 }), [{ result: run('task-a', 'run-01'), pending: ['ws'] }]);
    assert.deepEqual(await store.listOutbox({ limit: 10, after: 'run-01' }), []);
    await store.confirmDelivery('run-01', 'ws');
    assert.deepEqual(await store.listOutbox({ limit: 10 }), []);
  });
}

import assert from 'node:assert/strict';
import { TaskConflictError } from '../errors.ts';
import { DEFAULT_POLICIES, type TaskRecord } from '../scheduler/task.ts';
import type { TaskStore } from '../store/task-store.ts';

/** Registers one test; vitest's `it`, node:test's `test` and mocha's `it` all fit. */
export type TestRegistrar = (name: string, fn: () => Promise<void>) => void;

function record(id: string, fields: Partial<TaskRecord> = {}): TaskRecord {
  return {
    id,
    requester_id: 'requester-a',
    schedule: { timezone: 'UTC', rules: [{ cron: '0 17 * * THU' }] },
    target: { kind: 'function', name: 'report', parameters: { team: 'ops', n: 1 } },
    policies: DEFAULT_POLICIES,
    status: 'active',
    created_at: '2026-11-22T10:00:00Z',
    updated_at: '2026-11-22T10:00:00Z',
    next_fire_at: '2026-11-26T17:00:00Z',
    fire_count: 0,
    last_run: null,
    request_hash: 'hash',
    ...fields,
  };
}

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

  withStore('replaces a record on update', async (store) => {
    await store.insert(record('0001'));
    const runs = {
      task_id: '0001',
      requester_id: 'requester-a',
      run_id: 'run-1',
      trigger: 'schedule' as const,
      scheduled_at: '2026-11-26T17:00:00Z',
      fired_at: '2026-11-26T17:00:00.002Z',
      finished_at: '2026-11-26T17:00:00.010Z',
      attempts: 1,
      status: 'success' as const,
      content: '{"ok":true}',
      error: null,
    };
    const updated = record('0001', { status: 'paused', fire_count: 3, next_fire_at: null, last_run: runs });
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

  withStore('loads the tasks that may still fire', async (store) => {
    await store.insert(record('0001', { status: 'active' }));
    await store.insert(record('0002', { status: 'paused' }));
    await store.insert(record('0003', { status: 'completed' }));
    await store.insert(record('0004', { status: 'cancelled' }));
    const ids = (await store.loadSchedulable()).map((t) => t.id).sort();
    assert.deepEqual(ids, ['0001', '0002']);
  });
}

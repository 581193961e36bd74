import { TaskConflictError } from '@br-sdk/schedule';
import { describe, expect, it } from 'vitest';
import { SqliteTaskStore } from '../src/index.ts';
import { ids, runResult, taskRecord, useTempDir } from './helpers.ts';

const { tempDbPath } = useTempDir();

describe('SqliteTaskStore: group commit', () => {
  it('refuses exactly the inserts whose ids exist, in a transaction written with several statements', async () => {
    await using store = await SqliteTaskStore.open({ path: tempDbPath() });
    const all = ids('task', 2500);
    // Every third id exists already; the 2,500 rows need three statements of at most 1,000.
    const existing = all.filter((_, i) => i % 3 === 0);
    await Promise.all(existing.map((id) => store.insert(taskRecord(id, { requester_id: 'before' }))));
    const outcomes = await Promise.allSettled(all.map((id) => store.insert(taskRecord(id))));
    outcomes.forEach((outcome, i) => {
      if (i % 3 === 0) {
        expect(outcome.status).toBe('rejected');
        expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(TaskConflictError);
      } else {
        expect(outcome.status).toBe('fulfilled');
      }
    });
    // The existing tasks are unchanged; the others are written.
    expect((await store.get('task-00000'))?.requester_id).toBe('before');
    expect((await store.get('task-02498'))?.requester_id).not.toBe('before');
    expect((await store.list({ limit: 5000 })).tasks).toHaveLength(2500);
  });

  it('commits 2,000 concurrent inserts in a few transactions, and all of them are in the file after reopen', async () => {
    const path = tempDbPath();
    const store = await SqliteTaskStore.open({ path });
    const before = store.stats;
    const all = ids('task', 2000);
    await Promise.all(all.map((id) => store.insert(taskRecord(id))));
    const after = store.stats;
    expect(after.writes - before.writes).toBe(2000);
    // 2,000 transactions without batching; maxBatchSize (2,000) allows one.
    expect(after.transactions - before.transactions).toBeLessThanOrEqual(5);
    expect(after.largestBatch).toBeGreaterThanOrEqual(400);
    await store.close();

    await using reopened = await SqliteTaskStore.open({ path });
    const stored: string[] = [];
    for (let cursor: string | undefined; ; ) {
      const page = await reopened.list({ limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
      stored.push(...page.tasks.map((t) => t.id));
      if (page.next_cursor === null) break;
      cursor = page.next_cursor;
    }
    expect(stored).toEqual(all);
  });

  it('keeps the order of writes to the same task within a transaction', async () => {
    await using store = await SqliteTaskStore.open({ path: tempDbPath() });
    await store.insert(taskRecord('task-a'));
    const writes = Array.from({ length: 50 }, (_, i) => store.update(taskRecord('task-a', { fire_count: i + 1 })));
    const runs = Array.from({ length: 20 }, (_, i) =>
      store.recordRun(runResult('task-a', `run-${String(i).padStart(2, '0')}`), { retain: 5, channels: [] }),
    );
    await Promise.all([...writes, ...runs]);
    expect((await store.get('task-a'))?.fire_count).toBe(50);
    expect((await store.listRuns('task-a', {})).runs.map((r) => r.run_id)).toEqual([
      'run-19',
      'run-18',
      'run-17',
      'run-16',
      'run-15',
    ]);
  });

  it('close() commits the writes still queued before it closes the file', async () => {
    const path = tempDbPath();
    const store = await SqliteTaskStore.open({ path });
    const pending = ids('late', 300).map((id) => store.insert(taskRecord(id)));
    await store.close();
    await Promise.all(pending);
    await using reopened = await SqliteTaskStore.open({ path });
    expect((await reopened.list({ limit: 1000 })).tasks).toHaveLength(300);
  });

  it('splits a queue longer than maxBatchSize into several transactions', async () => {
    await using store = await SqliteTaskStore.open({ path: tempDbPath(), maxBatchSize: 100 });
    const before = store.stats.transactions;
    await Promise.all(ids('task', 1000).map((id) => store.insert(taskRecord(id))));
    expect(store.stats.largestBatch).toBeLessThanOrEqual(100);
    expect(store.stats.transactions - before).toBeGreaterThanOrEqual(10);
  });
});

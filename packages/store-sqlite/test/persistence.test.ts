import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCHEMA_VERSION, SqliteTaskStore } from '../src/index.ts';
import { runResult, taskRecord, useTempDir } from './helpers.ts';

const { tempDbPath } = useTempDir();

describe('SqliteTaskStore: persistence', () => {
  it('gives back tasks, runs, outbox entries and the schema version after close and reopen', async () => {
    const path = tempDbPath();
    const first = await SqliteTaskStore.open({ path });
    const inFlight = [{ run_id: 'run-03', scheduled_at: '2026-12-03T17:00:00Z', trigger: 'schedule' as const }];
    await first.insert(taskRecord('task-a'));
    await first.insert(taskRecord('task-b', { requester_id: 'requester-b', status: 'paused' }));
    await first.insert(taskRecord('task-c', { status: 'completed', in_flight: inFlight }));
    await first.insert(taskRecord('task-d', { status: 'cancelled' }));
    const updated = taskRecord('task-a', { fire_count: 2, last_run: runResult('task-a', 'run-02') });
    await first.update(updated);
    await first.recordRun(runResult('task-a', 'run-01'), { retain: 10, channels: ['amqp'] });
    await first.recordRun(runResult('task-a', 'run-02'), { retain: 10, channels: ['amqp', 'ws'] });
    await first.confirmDelivery('run-01', 'amqp');
    await first.close();
    // Closing folds the write-ahead log into the file: the file alone is the store.
    expect(existsSync(`${path}-wal`)).toBe(false);

    const second = await SqliteTaskStore.open({ path });
    try {
      expect(await second.get('task-a')).toEqual(updated);
      expect((await second.list({ requester_id: 'requester-b' })).tasks.map((t) => t.id)).toEqual(['task-b']);
      expect((await second.loadSchedulable()).map((t) => t.id).sort()).toEqual(['task-a', 'task-b', 'task-c']);
      expect((await second.listRuns('task-a', {})).runs.map((r) => r.run_id)).toEqual(['run-02', 'run-01']);
      expect(await second.listOutbox({ limit: 10 })).toEqual([
        { result: runResult('task-a', 'run-02'), pending: ['amqp', 'ws'] },
      ]);
      expect(await second.raw.keyv.get('meta:schema_version')).toBe(SCHEMA_VERSION);
    } finally {
      await second.close();
    }
  });

  it('keeps tasks whose ids contain the key separator apart', async () => {
    await using store = await SqliteTaskStore.open({ path: tempDbPath() });
    await store.recordRun(runResult('a', 'run-01'), { retain: 1, channels: [] });
    await store.recordRun(runResult('a:b', 'run-02'), { retain: 1, channels: [] });
    await store.recordRun(runResult('a%3Ab', 'run-03'), { retain: 1, channels: [] });
    expect((await store.listRuns('a', {})).runs.map((r) => r.run_id)).toEqual(['run-01']);
    expect((await store.listRuns('a:b', {})).runs.map((r) => r.run_id)).toEqual(['run-02']);
    expect((await store.listRuns('a%3Ab', {})).runs.map((r) => r.run_id)).toEqual(['run-03']);
  });

  it('finds a requester whose id starts with a colon (values are plain JSON, not keyv-escaped)', async () => {
    await using store = await SqliteTaskStore.open({ path: tempDbPath() });
    await store.insert(taskRecord('task-a', { requester_id: ':svc', target: { kind: 'function', name: ':x' } }));
    expect((await store.list({ requester_id: ':svc' })).tasks.map((t) => t.id)).toEqual(['task-a']);
    expect((await store.get('task-a'))?.target['name']).toBe(':x');
  });
});

describe('SqliteTaskStore: backup', () => {
  it('copies a running store into a file another store opens as is', async () => {
    const path = tempDbPath();
    const copy = tempDbPath('backup');
    await using store = await SqliteTaskStore.open({ path });
    await store.insert(taskRecord('task-a'));
    await store.recordRun(runResult('task-a', 'run-01'), { retain: 10, channels: ['amqp'] });
    await store.insert(taskRecord('task-b'));
    await store.backup(copy);
    await store.insert(taskRecord('after-backup'));
    await expect(store.backup(copy)).rejects.toThrow(/the file exists/);
    await expect(store.backup(path)).rejects.toThrow(/the file exists/);

    await using restored = await SqliteTaskStore.open({ path: copy });
    expect((await restored.list({})).tasks.map((t) => t.id)).toEqual(['task-a', 'task-b']);
    expect((await restored.listRuns('task-a', {})).runs).toHaveLength(1);
    expect(await restored.listOutbox({ limit: 10 })).toHaveLength(1);
  });
});

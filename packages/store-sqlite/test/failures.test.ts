import { InvalidArgumentError, StoreError, TaskConflictError } from '@br-sdk/schedule';
import { describe, expect, it } from 'vitest';
import { SqliteTaskStore } from '../src/index.ts';
import { ids, taskRecord, useTempDir } from './helpers.ts';

const { tempDbPath } = useTempDir();

/** A task of ~10 KB: it needs new (overflow) pages wherever it goes. */
const bulky = (id: string) =>
  taskRecord(id, { target: { kind: 'function', name: 'report', parameters: { pad: 'x'.repeat(10_000) } } });

/** Caps the file at its current size: any write that needs a new page fails with SQLITE_FULL. */
async function capSize(store: SqliteTaskStore): Promise<void> {
  const [row] = (await store.raw.adapter.query('PRAGMA page_count')) as { page_count: number }[];
  await store.raw.adapter.query(`PRAGMA max_page_count = ${row?.page_count}`);
}

async function uncapSize(store: SqliteTaskStore): Promise<void> {
  await store.raw.adapter.query('PRAGMA max_page_count = 1073741823');
}

function driverCode(error: unknown): unknown {
  return ((error as Error).cause as { code?: unknown } | undefined)?.code;
}

describe('SqliteTaskStore: failed writes', () => {
  it('rejects every write of a transaction that fails (disk full) and writes none of them', async () => {
    const path = tempDbPath();
    const store = await SqliteTaskStore.open({ path });
    await store.insert(taskRecord('before'));
    await capSize(store);
    const doomed = ids('doomed', 200);
    const outcomes = await Promise.allSettled(doomed.map((id) => store.insert(bulky(id))));

    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      const error = (outcome as PromiseRejectedResult).reason;
      expect(error).toBeInstanceOf(StoreError);
      expect(error.code).toBe('STORE_FAILURE');
      expect(error.message).toMatch(/rolled back; none of them was written/);
      expect(driverCode(error)).toBe('SQLITE_FULL');
    }
    expect(store.stats.failedTransactions).toBeGreaterThan(0);

    await uncapSize(store);
    for (const id of doomed) expect(await store.get(id)).toBeUndefined();
    // The store goes on working once there is room again, and nothing half-written turns up later.
    await store.insert(taskRecord('after'));
    await store.close();
    await using reopened = await SqliteTaskStore.open({ path });
    expect((await reopened.list({})).tasks.map((t) => t.id)).toEqual(['after', 'before']);
  });

  it("reports a failed write as a StoreError with the driver's error, whatever keyv's error mode", async () => {
    await using store = await SqliteTaskStore.open({ path: tempDbPath() });
    // keyv's default: report a failed write by returning false and emitting `error`. Writes are
    // batched upserts on the connection, so this mode cannot turn a failure into a quiet `false`.
    store.raw.keyv.throwOnErrors = false;
    await capSize(store);
    const error = await store.insert(bulky('doomed')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toContain('insert task:doomed failed: SQLITE_FULL');
    expect(driverCode(error)).toBe('SQLITE_FULL');
    await uncapSize(store);
    expect(await store.get('doomed')).toBeUndefined();
  });

  it('rejects reads and writes with StoreError when the connection is gone, never answers "not found"', async () => {
    const store = await SqliteTaskStore.open({ path: tempDbPath() });
    await store.insert(taskRecord('present'));
    await store.raw.adapter.close();
    await expect(store.get('present')).rejects.toBeInstanceOf(StoreError);
    await expect(store.list({})).rejects.toBeInstanceOf(StoreError);
    await expect(store.insert(taskRecord('new'))).rejects.toBeInstanceOf(StoreError);
    await expect(store.close()).rejects.toBeInstanceOf(StoreError);
  });

  it('refuses a write to the table outside a store transaction', async () => {
    await using store = await SqliteTaskStore.open({ path: tempDbPath() });
    await expect(store.raw.keyv.set('task:sneaky', taskRecord('sneaky'))).rejects.toThrow(
      /write outside a store transaction/,
    );
    expect(await store.get('sneaky')).toBeUndefined();
  });

  it('fails a write that is not JSON alone, before it reaches a transaction', async () => {
    await using store = await SqliteTaskStore.open({ path: tempDbPath() });
    const bad = taskRecord('bad', { target: { kind: 'function', name: 'x', n: 1n } as never });
    const [good, rejected] = await Promise.allSettled([store.insert(taskRecord('good')), store.insert(bad)]);
    expect(good.status).toBe('fulfilled');
    expect((rejected as PromiseRejectedResult).reason).toBeInstanceOf(InvalidArgumentError);
    expect(await store.get('good')).toBeDefined();
  });

  it('rejects a duplicate id in the same transaction alone, with TaskConflictError', async () => {
    await using store = await SqliteTaskStore.open({ path: tempDbPath() });
    const before = store.stats.transactions;
    const outcomes = await Promise.allSettled([
      store.insert(taskRecord('twin', { requester_id: 'first' })),
      store.insert(taskRecord('twin', { requester_id: 'second' })),
      store.insert(taskRecord('other')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(TaskConflictError);
    expect(store.stats.transactions).toBe(before + 1);
    expect((await store.get('twin'))?.requester_id).toBe('first');
  });

  it('rejects calls after close with StoreError', async () => {
    const store = await SqliteTaskStore.open({ path: tempDbPath() });
    await store.close();
    await store.close(); // idempotent
    await expect(store.get('x')).rejects.toThrow(/is closed/);
    await expect(store.insert(taskRecord('x'))).rejects.toBeInstanceOf(StoreError);
  });
});

import { describe, expect, it } from 'vitest';
import { MemoryTaskStore, StoreError, type TaskRecord } from '../../src/index.ts';
import { TaskRuntime } from '../../src/scheduler/task-runtime.ts';
import { TaskWriter } from '../../src/scheduler/task-writer.ts';
import { sampleTaskRecord } from '../../src/testing/index.ts';
import { deferred } from './helpers.ts';

/** A store whose updates wait until the test releases them, recording what was written in what order. */
class SlowStore extends MemoryTaskStore {
  readonly written: { id: string; fire_count: number }[] = [];
  readonly gates: (() => void)[] = [];
  fail = false;
  override async update(task: TaskRecord): Promise<void> {
    const gate = deferred();
    this.gates.push(gate.resolve);
    await gate.promise;
    if (this.fail) throw new StoreError('disk full');
    this.written.push({ id: task.id, fire_count: task.fire_count });
    return super.update(task);
  }
  releaseAll() {
    for (const open of this.gates.splice(0)) open();
  }
}

function runtime(id: string): TaskRuntime {
  return new TaskRuntime(sampleTaskRecord(id), undefined as never, -1);
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('TaskWriter: batched writes', () => {
  it('writes each changed task once per batch, with its latest record', async () => {
    const store = new SlowStore();
    const writer = new TaskWriter(store, () => '2026-11-22T00:00:00Z');
    const a = runtime('a');
    const b = runtime('b');
    a.record = { ...a.record, fire_count: 1 };
    const first = writer.persist(a);
    a.record = { ...a.record, fire_count: 2 }; // changed again in the same turn: one write, the latest
    void writer.persist(a);
    void writer.persist(b);
    await turn();
    expect(store.gates).toHaveLength(2);
    store.releaseAll();
    await first;
    expect(store.written).toEqual([
      { id: 'a', fire_count: 2 },
      { id: 'b', fire_count: 0 },
    ]);
  });

  it('never lets an older snapshot land after a newer one: batches do not overlap', async () => {
    const store = new SlowStore();
    const writer = new TaskWriter(store, () => '2026-11-22T00:00:00Z');
    const a = runtime('a');
    a.record = { ...a.record, fire_count: 1 };
    const first = writer.persist(a);
    await turn(); // batch 1 is writing fire_count 1
    a.record = { ...a.record, fire_count: 2 };
    const second = writer.persist(a);
    await turn();
    expect(store.gates).toHaveLength(1); // batch 2 waits for batch 1
    store.releaseAll();
    await first;
    await turn();
    store.releaseAll();
    await second;
    expect(store.written.map((w) => w.fire_count)).toEqual([1, 2]);
  });

  it('rejects the callers of a failed batch, and change() undoes its change', async () => {
    const store = new SlowStore();
    const writer = new TaskWriter(store, () => '2026-11-22T00:00:01Z');
    const a = runtime('a');
    store.fail = true;
    const changing = writer.change(a, { status: 'paused' });
    expect(a.record.status).toBe('paused');
    await turn();
    store.releaseAll();
    await expect(changing).rejects.toBeInstanceOf(StoreError);
    expect(a.record.status).toBe('active');
    store.fail = false;
    const again = writer.change(a, { status: 'paused' });
    await turn();
    store.releaseAll();
    await expect(again).resolves.toMatchObject({ status: 'paused', updated_at: '2026-11-22T00:00:01Z' });
    await writer.settle();
  });
});

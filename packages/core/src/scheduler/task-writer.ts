import type { TaskStore } from '../store/task-store.ts';
import type { TaskRecord } from './task.ts';
import type { TaskRuntime } from './task-runtime.ts';

/**
 * Writes tasks' latest records to the store. Writes of one task never overlap, and changes made
 * while one is in flight are coalesced into the next, so a burst of fires costs few writes and an
 * older snapshot never lands after a newer one.
 */
export class TaskWriter {
  private readonly store: TaskStore;
  private readonly now: () => string;
  private readonly inProgress = new Set<Promise<void>>();

  constructor(store: TaskStore, now: () => string) {
    this.store = store;
    this.now = now;
  }

  /** Writes the runtime's current record; resolves once a write containing it is durable. */
  persist(runtime: TaskRuntime): Promise<void> {
    runtime.dirty = true;
    if (runtime.writing === null) {
      const writing = this.flush(runtime);
      runtime.writing = writing;
      this.inProgress.add(writing);
    }
    return runtime.writing;
  }

  /** Writes until the runtime is clean; promise callbacks, not async/await, to allocate less per write. */
  private flush(runtime: TaskRuntime): Promise<void> {
    runtime.dirty = false;
    return this.store.update(runtime.record).then(
      () => {
        if (runtime.dirty) return this.flush(runtime);
        this.done(runtime);
      },
      (error: unknown) => {
        this.done(runtime);
        throw error;
      },
    );
  }

  private done(runtime: TaskRuntime): void {
    if (runtime.writing !== null) this.inProgress.delete(runtime.writing);
    runtime.writing = null;
  }

  /** Applies `fields` and resolves once durable; on a failed write the change is undone and the error thrown. */
  async change(runtime: TaskRuntime, fields: Partial<TaskRecord>): Promise<TaskRecord> {
    const before = runtime.record;
    const after: TaskRecord = Object.freeze({ ...before, ...fields, updated_at: this.now() });
    runtime.record = after;
    try {
      await this.persist(runtime);
    } catch (error) {
      if (runtime.record === after) runtime.record = before;
      throw error;
    }
    return after;
  }

  /** Waits for every write in progress. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.inProgress]);
  }
}

import type { TaskStore } from '../store/task-store.ts';
import type { TaskRecord } from './task.ts';
import type { TaskRuntime } from './task-runtime.ts';

interface Batch {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Fire-and-forget callers attach their own handler; this one keeps an unobserved failure quiet.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

/**
 * Writes tasks' latest records to the store in batches, one batch at a time: every task changed
 * while the previous batch was being written (or during this event-loop turn) is written once in
 * the next. A quick run's fire and result become one write; a burst of 10,000 fires is one pass,
 * not 10,000 promise chains; and since batches never overlap, an older snapshot of a task never
 * lands after a newer one.
 */
export class TaskWriter {
  private readonly store: TaskStore;
  private readonly now: () => string;
  private dirty = new Set<TaskRuntime>();
  /** Tasks whose latest record may not be in the store yet, by id: reads must see it. */
  private readonly unsettled = new Map<string, TaskRuntime>();
  /** Settles when the batch holding the current dirty tasks is durable. */
  private pending: Batch | null = null;
  private writing: Promise<void> | null = null;
  private scheduled = false;

  constructor(store: TaskStore, now: () => string) {
    this.store = store;
    this.now = now;
  }

  /** Writes the runtime's current record; resolves once a write containing it is durable. */
  persist(runtime: TaskRuntime): Promise<void> {
    this.dirty.add(runtime);
    this.unsettled.set(runtime.record.id, runtime);
    this.pending ??= newBatch();
    if (!this.scheduled && this.writing === null) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return this.pending.promise;
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

  /** The latest record of task `id` if a write of it is still pending (the store may lag until then). */
  unwritten(id: string): TaskRecord | undefined {
    return this.unsettled.get(id)?.record;
  }

  /** Waits until every write asked for so far is done (or failed). */
  async settle(): Promise<void> {
    while (this.pending !== null || this.writing !== null) {
      await Promise.allSettled([this.writing, this.pending?.promise]);
    }
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    if (batch === null) return;
    const runtimes = this.dirty;
    this.dirty = new Set();
    this.pending = null;
    // Each task's record as it is now: later changes go to the next batch.
    const writes = [...runtimes].map((runtime) => this.store.update(runtime.record));
    const writing = Promise.all(writes).then(
      () => batch.resolve(),
      (error: unknown) => batch.reject(error),
    );
    this.writing = writing;
    void writing.then(() => {
      this.writing = null;
      for (const runtime of runtimes) {
        if (!this.dirty.has(runtime) && this.unsettled.get(runtime.record.id) === runtime) {
          this.unsettled.delete(runtime.record.id);
        }
      }
      if (this.pending !== null) this.flush();
    });
  }
}

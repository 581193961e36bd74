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

/** What the TaskWriter tells its owner. */
export interface TaskWriterHooks {
  /** A write of {@link TaskWriter.mark}ed tasks failed (persist() callers get the rejection instead). */
  onError(error: unknown): void;
  /** A batch was written: these tasks' records, as taken, are in the store (unless `dirty` again since). */
  onWritten?(runtimes: readonly TaskRuntime[]): void;
}

/**
 * Writes tasks' latest records to the store in batches, one batch at a time: every task changed
 * while the previous batch was being written (or during this event-loop turn) is written once in
 * the next. A quick run's fire and result become one write; a burst of 10,000 fires is one pass,
 * not 10,000 promise chains; and since batches never overlap, an older snapshot of a task never
 * lands after a newer one.
 *
 * A task is marked `dirty` on its runtime and queued in an array, rather than added to a Set and
 * indexed by id: in a burst this runs once per fire and once per result.
 */
export class TaskWriter {
  private readonly store: TaskStore;
  private readonly now: () => string;
  private readonly hooks: TaskWriterHooks;
  private dirty: TaskRuntime[] = [];
  /** mark() calls since the last flush: each hears of a failure of the batch, as its caller would. */
  private marks = 0;
  /** Settles when the batch holding the current dirty tasks is durable (made only when asked for). */
  private pending: Batch | null = null;
  private writing: Promise<void> | null = null;
  private scheduled = false;
  private readonly flushNow = () => this.flush();

  constructor(store: TaskStore, now: () => string, hooks: TaskWriterHooks = { onError: () => {} }) {
    this.store = store;
    this.now = now;
    this.hooks = hooks;
  }

  /** Writes the runtime's current record; resolves once a write containing it is durable. */
  persist(runtime: TaskRuntime): Promise<void> {
    this.queue(runtime);
    this.pending ??= newBatch();
    return this.pending.promise;
  }

  /** Like persist(), without a promise: a failed write goes to `onError`. The per-fire path. */
  mark(runtime: TaskRuntime): void {
    this.marks++;
    this.queue(runtime);
  }

  private queue(runtime: TaskRuntime): void {
    if (!runtime.dirty) {
      runtime.dirty = true;
      this.dirty.push(runtime);
    }
    if (!this.scheduled && this.writing === null) {
      this.scheduled = true;
      setImmediate(this.flushNow);
    }
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

  /** Waits until every write asked for so far is done (or failed). */
  async settle(): Promise<void> {
    while (this.dirty.length > 0 || this.writing !== null) {
      if (this.writing === null) this.flush();
      await Promise.allSettled([this.writing]);
    }
  }

  private flush(): void {
    this.scheduled = false;
    const runtimes = this.dirty;
    if (runtimes.length === 0) return;
    const batch = this.pending;
    const marks = this.marks;
    this.dirty = [];
    this.pending = null;
    this.marks = 0;
    // Each task's record as it is now: later changes go to the next batch.
    const writes = runtimes.map((runtime) => {
      runtime.dirty = false;
      return this.store.update(runtime.record);
    });
    const writing = Promise.all(writes).then(
      () => {
        batch?.resolve();
        this.hooks.onWritten?.(runtimes);
      },
      (error: unknown) => {
        batch?.reject(error);
        for (let i = 0; i < marks; i++) this.hooks.onError(error);
      },
    );
    this.writing = writing;
    void writing.then(() => {
      this.writing = null;
      if (this.dirty.length > 0) this.flush();
    });
  }
}

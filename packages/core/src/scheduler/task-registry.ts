import type { TaskRuntime } from './task-runtime.ts';

/** How long finished tasks stay in memory before they are swept (see {@link TaskRegistry.release}). */
const SWEEP_DELAY_MS = 1000;

/**
 * The tasks the Scheduler holds in memory, by id: every active and paused task, and finished ones
 * (completed, cancelled) while a run of theirs is in flight or their last record is not written
 * yet. One map for all, so that a task has one runtime whatever its state, and two runs of it
 * cannot overwrite each other's `in_flight` entries.
 */
export class TaskRegistry {
  private readonly byId = new Map<string, TaskRuntime>();
  private finished: TaskRuntime[] = [];
  private sweepTimer: ReturnType<typeof setTimeout> | null = null;

  get(id: string): TaskRuntime | undefined {
    return this.byId.get(id);
  }

  add(runtime: TaskRuntime): void {
    this.byId.set(runtime.settled.id, runtime);
  }

  values(): IterableIterator<TaskRuntime> {
    return this.byId.values();
  }

  /** The runtime of task `id` if it is active or paused. */
  schedulable(id: string): TaskRuntime | undefined {
    const runtime = this.byId.get(id);
    if (runtime === undefined) return undefined;
    const status = runtime.record.status;
    return status === 'active' || status === 'paused' ? runtime : undefined;
  }

  /**
   * Forgets a task that will not fire again once nothing refers to it any more: no run in flight,
   * and its last record written (the store then answers reads). Not at once: finished tasks are
   * swept from the map together, {@link SWEEP_DELAY_MS} later, so that a burst of one-shot tasks
   * does not pay a map deletion per task while it runs. Until the sweep, a finished task answers
   * reads from memory, with the record the store has.
   */
  release(runtime: TaskRuntime): void {
    if (runtime.dirty || !runtime.finished) return;
    this.finished.push(runtime);
    this.sweepTimer ??= setTimeout(() => this.sweep(), SWEEP_DELAY_MS).unref();
  }

  /** Forgets every task (the Scheduler stopped). */
  clear(): void {
    this.byId.clear();
    this.finished = [];
    if (this.sweepTimer !== null) clearTimeout(this.sweepTimer);
    this.sweepTimer = null;
  }

  private sweep(): void {
    this.sweepTimer = null;
    const finished = this.finished;
    this.finished = [];
    for (const runtime of finished) {
      // A manual trigger may have given it a run again since.
      if (runtime.dirty || !runtime.finished) continue;
      const id = runtime.settled.id;
      if (this.byId.get(id) === runtime) this.byId.delete(id);
    }
  }
}

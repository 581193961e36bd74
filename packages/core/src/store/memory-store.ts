import { TaskConflictError } from '../errors.ts';
import type { RunResult, TaskRecord, TaskStatus } from '../scheduler/task.ts';
import {
  DEFAULT_PAGE_SIZE,
  decodeCursor,
  encodeCursor,
  type OutboxEntry,
  type RunPage,
  type RunQuery,
  type TaskPage,
  type TaskQuery,
  type TaskStore,
} from './task-store.ts';

const DONE: Promise<void> = Promise.resolve();

/**
 * The reference store: tasks in a Map, gone when the process ends. The default for embedded use
 * and tests; use a durable store (store-sqlite) where tasks must survive a restart.
 * Records are read-only snapshots (the Scheduler never changes one it has handed over), so the store
 * keeps the caller's object without copying it.
 */
export class MemoryTaskStore implements TaskStore {
  private readonly tasks = new Map<string, TaskRecord>();
  /**
   * Per task, oldest first (run ids are UUIDv7, so also in id order); a task's first run is kept
   * without a list (one-shot tasks have one run: it saves a list per task and per result).
   */
  private readonly runs = new Map<string, RunResult | RunResult[]>();
  /** Insertion order is outbox order. */
  private readonly outbox = new Map<string, OutboxEntry>();

  async insert(task: TaskRecord): Promise<void> {
    if (this.tasks.has(task.id)) throw new TaskConflictError(task.id, 'a task with this id exists');
    this.tasks.set(task.id, Object.freeze(task));
  }

  // update and recordRun run once per fire and per result: they return one shared resolved promise
  // rather than make one each as an async method would.
  update(task: TaskRecord): Promise<void> {
    this.tasks.set(task.id, task);
    return DONE;
  }

  async get(id: string): Promise<TaskRecord | undefined> {
    return this.tasks.get(id);
  }

  async list(query: TaskQuery): Promise<TaskPage> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const statuses = query.status === undefined ? undefined : new Set<TaskStatus>([query.status].flat());
    const matching: TaskRecord[] = [];
    for (const task of this.tasks.values()) {
      if (after !== undefined && task.id <= after) continue;
      if (query.requester_id !== undefined && task.requester_id !== query.requester_id) continue;
      if (statuses !== undefined && !statuses.has(task.status)) continue;
      matching.push(task);
    }
    matching.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const page = matching.slice(0, limit);
    const last = page[page.length - 1];
    return { tasks: page, next_cursor: matching.length > limit && last ? encodeCursor(last.id) : null };
  }

  async loadSchedulable(): Promise<readonly TaskRecord[]> {
    return [...this.tasks.values()].filter(
      (t) => t.status === 'active' || t.status === 'paused' || t.in_flight.length > 0,
    );
  }

  recordRun(result: RunResult, options: { retain: number; channels: readonly string[] }): Promise<void> {
    const history = this.runs.get(result.task_id);
    if (history === undefined) this.runs.set(result.task_id, result);
    else if (!Array.isArray(history)) this.runs.set(result.task_id, options.retain === 1 ? result : [history, result]);
    else {
      history.push(result);
      if (history.length > options.retain) history.splice(0, history.length - options.retain);
    }
    if (options.channels.length > 0) this.outbox.set(result.run_id, { result, pending: [...options.channels] });
    return DONE;
  }

  async listRuns(taskId: string, query: RunQuery): Promise<RunPage> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const newestFirst = [this.runs.get(taskId) ?? []].flat().reverse();
    const matching = before === undefined ? newestFirst : newestFirst.filter((r) => r.run_id < before);
    const page = matching.slice(0, limit);
    const last = page[page.length - 1];
    return { runs: page, next_cursor: matching.length > limit && last ? encodeCursor(last.run_id) : null };
  }

  async listOutbox(query: { limit: number; after?: string }): Promise<readonly OutboxEntry[]> {
    const after = query.after;
    return [...this.outbox.values()]
      .filter((e) => after === undefined || e.result.run_id > after)
      .sort((a, b) => (a.result.run_id < b.result.run_id ? -1 : 1))
      .slice(0, query.limit);
  }

  async confirmDelivery(runId: string, channel: string): Promise<void> {
    const entry = this.outbox.get(runId);
    if (!entry) return;
    const pending = entry.pending.filter((c) => c !== channel);
    if (pending.length === 0) this.outbox.delete(runId);
    else this.outbox.set(runId, { ...entry, pending });
  }
}

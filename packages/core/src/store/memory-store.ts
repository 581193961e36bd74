import { TaskConflictError } from '../errors.ts';
import type { TaskRecord, TaskStatus } from '../scheduler/task.ts';
import {
  DEFAULT_PAGE_SIZE,
  decodeCursor,
  encodeCursor,
  type TaskPage,
  type TaskQuery,
  type TaskStore,
} from './task-store.ts';

/**
 * The reference store: tasks in a Map, gone when the process ends. The default for embedded use
 * and tests; use a durable store (store-sqlite) where tasks must survive a restart.
 * Records are frozen snapshots, so the store keeps the caller's object without copying it.
 */
export class MemoryTaskStore implements TaskStore {
  private readonly tasks = new Map<string, TaskRecord>();

  async insert(task: TaskRecord): Promise<void> {
    if (this.tasks.has(task.id)) throw new TaskConflictError(task.id, 'a task with this id exists');
    this.tasks.set(task.id, Object.freeze(task));
  }

  async update(task: TaskRecord): Promise<void> {
    this.tasks.set(task.id, Object.freeze(task));
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
    return [...this.tasks.values()].filter((t) => t.status === 'active' || t.status === 'paused');
  }
}

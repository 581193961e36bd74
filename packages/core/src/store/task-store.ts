import type { RunResult, TaskRecord, TaskStatus } from '../scheduler/task.ts';

/** Filters and paging for {@link TaskStore.list}. */
export interface TaskQuery {
  readonly requester_id?: string;
  readonly status?: TaskStatus | readonly TaskStatus[];
  /** Page size, 1 to {@link MAX_PAGE_SIZE}. @default 100 */
  readonly limit?: number;
  /** `next_cursor` of the previous page. */
  readonly cursor?: string;
}

export interface TaskPage {
  /** Ordered by id (task ids are UUIDv7, so by creation time unless clients chose ids). */
  readonly tasks: readonly TaskRecord[];
  /** Pass as `cursor` for the next page; null on the last page. */
  readonly next_cursor: string | null;
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

/** Paging for {@link TaskStore.listRuns}. */
export interface RunQuery {
  /** Page size, 1 to {@link MAX_PAGE_SIZE}. @default 100 */
  readonly limit?: number;
  /** `next_cursor` of the previous page. */
  readonly cursor?: string;
}

export interface RunPage {
  /** Newest first. */
  readonly runs: readonly RunResult[];
  readonly next_cursor: string | null;
}

/** A result waiting in the outbox for the channels that have not confirmed it yet. */
export interface OutboxEntry {
  readonly result: RunResult;
  /** Names of the result channels still to confirm. */
  readonly pending: readonly string[];
}

/**
 * Where tasks live. The Scheduler keeps the authoritative copy of each schedulable task in memory
 * and writes every change through; a store only has to make those writes durable and give them
 * back at start-up. A method's promise resolves only once its write is durable (that is what an
 * acknowledgement means), and rejects with a {@link StoreError} otherwise — never a silent loss.
 */
export interface TaskStore {
  /** Adds a new task. Rejects with TaskConflictError if the id exists. */
  insert(task: TaskRecord): Promise<void>;
  /** Replaces a task's record (same id). */
  update(task: TaskRecord): Promise<void>;
  get(id: string): Promise<TaskRecord | undefined>;
  list(query: TaskQuery): Promise<TaskPage>;
  /**
   * Every task that may still fire (status active or paused) or has runs in flight (`in_flight`
   * not empty, whatever its status), for start-up.
   */
  loadSchedulable(): Promise<readonly TaskRecord[]>;
  /**
   * Records a finished run in one durable write: appends it to its task's history (keeping the
   * newest `retain` runs of that task) and, when `channels` is not empty, puts it in the outbox
   * with those channels pending.
   */
  recordRun(
    result: RunResult,
    options: { readonly retain: number; readonly channels: readonly string[] },
  ): Promise<void>;
  /** A task's run history, newest first: by run id, which the Scheduler makes sortable by time (UUIDv7). */
  listRuns(taskId: string, query: RunQuery): Promise<RunPage>;
  /** Outbox entries in run id order (oldest first), after the run id `after`, at most `limit`. */
  listOutbox(query: { readonly limit: number; readonly after?: string }): Promise<readonly OutboxEntry[]>;
  /** `channel` has delivered the result of `runId`; the entry goes when no channel is pending. */
  confirmDelivery(runId: string, channel: string): Promise<void>;
  /** Releases resources; the store is unusable afterwards. */
  close?(): Promise<void>;
}

/** Cursors are opaque to clients: base64url of the last id, so the encoding can change later. */
export function encodeCursor(lastId: string): string {
  return Buffer.from(lastId, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  return Buffer.from(cursor, 'base64url').toString('utf8');
}

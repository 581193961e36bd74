import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  DEFAULT_PAGE_SIZE,
  decodeCursor,
  encodeCursor,
  type OutboxEntry,
  type RunPage,
  type RunQuery,
  type RunResult,
  StoreError,
  TaskConflictError,
  type TaskPage,
  type TaskQuery,
  type TaskRecord,
  type TaskStatus,
  type TaskStore,
} from '@br-sdk/schedule';
import type KeyvSqlite from '@keyv/sqlite';
import type Keyv from 'keyv';
import type { GroupCommitStats } from './group-commit.ts';
import {
  IN_FLIGHT_EXPR,
  OUTBOX_END,
  OUTBOX_PREFIX,
  outboxKey,
  REQUESTER_EXPR,
  runEnd,
  runPrefix,
  STATUS_EXPR,
  TABLE,
  TASK_RANGE,
  taskKey,
} from './keys.ts';
import { type EntryRow, parseEntry, StoredJson } from './keyv-table.ts';
import { type Connection, openConnection } from './open-connection.ts';
import { type ResolvedSqliteStoreOptions, resolveSqliteStoreOptions, type SqliteStoreOptions } from './options.ts';

/** Rows per query when loading every schedulable task at start-up: bounds the rows held at once. */
const LOAD_PAGE = 5000;
const SCHEDULABLE: readonly TaskStatus[] = ['active', 'paused'];

function toRecord(row: EntryRow): TaskRecord {
  // Frozen like MemoryTaskStore's records: the Scheduler keeps them as immutable snapshots.
  return Object.freeze(parseEntry<TaskRecord>(row));
}

/**
 * A durable {@link TaskStore}: one SQLite file, reached through keyv and @keyv/sqlite.
 *
 * **Durability.** A write's promise resolves only once the transaction holding it is committed,
 * with `synchronous: 'full'` (the default) fsynced, so an acknowledged task survives a crash or a
 * power loss. Writes are grouped: everything queued while a transaction commits goes into the
 * next one, so one fsync acknowledges many writes (thousands of registrations per second). A
 * failed transaction rolls back and rejects each of its writes with a StoreError: never a silent
 * loss, never half a write.
 *
 * **One process.** keyv has no compare-and-set, so two writers would overwrite each other. The
 * store holds SQLite's exclusive lock on the file from open to close: a second store on the same
 * file, in this process or another, fails to open with {@link StoreLockedError}.
 *
 * The constructor starts opening in the background; every method waits for it and rejects if it
 * failed. Use {@link SqliteTaskStore.open} to learn of a failure (a locked file, a newer schema) at
 * once.
 *
 * @example
 * ```ts
 * const store = await SqliteTaskStore.open({ path: '/var/lib/br-schedule/tasks.db' });
 * const scheduler = new Scheduler({ store });
 * await scheduler.start(); // restores every task from the file
 * // …
 * await scheduler.stop();
 * await store.close();
 * ```
 */
export class SqliteTaskStore implements TaskStore {
  readonly options: ResolvedSqliteStoreOptions;
  private readonly opening: Promise<Connection>;
  private connection: Connection | null = null;
  private closing: Promise<void> | null = null;

  /** @throws InvalidArgumentError naming each bad option */
  constructor(options: SqliteStoreOptions) {
    this.options = resolveSqliteStoreOptions(options);
    this.opening = openConnection(this.options);
    // A failure to open is reported by ready() and by every method; this handler only keeps it
    // from being an unhandled rejection when nobody asks yet.
    this.opening.then(
      (connection) => {
        this.connection = connection;
      },
      () => undefined,
    );
  }

  /** Opens the store and waits until it is ready. @throws StoreLockedError, StoreSchemaError, StoreError */
  static async open(options: SqliteStoreOptions): Promise<SqliteTaskStore> {
    const store = new SqliteTaskStore(options);
    await store.ready();
    return store;
  }

  /** Resolves once the file is open, locked and at the current schema; rejects with why it could not be. */
  async ready(): Promise<void> {
    await this.opening;
  }

  /** The absolute path of the database file. */
  get path(): string {
    return this.options.path;
  }

  /** Transactions and writes committed since open (all zero until open). */
  get stats(): GroupCommitStats {
    return this.connection?.commit.stats ?? { transactions: 0, failedTransactions: 0, writes: 0, largestBatch: 0 };
  }

  /**
   * The keyv instance and the @keyv/sqlite adapter underneath, for diagnostics (`PRAGMA`s, ad hoc
   * queries). Writing through them bypasses group commit and is refused outside its transactions.
   * @throws StoreError before the store is open
   */
  get raw(): { readonly keyv: Keyv; readonly adapter: KeyvSqlite } {
    if (!this.connection) throw new StoreError(`SQLite store ${this.path} is not open yet: await ready()`);
    return { keyv: this.connection.table.keyv, adapter: this.connection.table.adapter };
  }

  async insert(task: TaskRecord): Promise<void> {
    const json = StoredJson.of(task, `task ${task.id}`);
    const { table, commit } = this.live() ?? (await this.opening);
    const key = taskKey(task.id);
    await commit.write([key], async () => {
      // Inside the transaction, after any earlier write of the same key: nothing can slip in between.
      if (!(await table.add(key, json))) throw new TaskConflictError(task.id, 'a task with this id exists');
    });
  }

  async update(task: TaskRecord): Promise<void> {
    const json = StoredJson.of(task, `task ${task.id}`);
    const { table, commit } = this.live() ?? (await this.opening);
    const key = taskKey(task.id);
    await commit.write([key], () => table.set(key, json));
  }

  async get(id: string): Promise<TaskRecord | undefined> {
    const { table, commit } = this.live() ?? (await this.opening);
    const record = await commit.read(() => table.get<TaskRecord>(taskKey(id)));
    return record === undefined ? undefined : Object.freeze(record);
  }

  async list(query: TaskQuery): Promise<TaskPage> {
    const { table, commit } = this.live() ?? (await this.opening);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const where = [TASK_RANGE];
    const parameters: unknown[] = [];
    if (query.cursor !== undefined) {
      where.push('key > ?');
      parameters.push(taskKey(decodeCursor(query.cursor)));
    }
    if (query.requester_id !== undefined) {
      where.push(`${REQUESTER_EXPR} = ?`);
      parameters.push(query.requester_id);
    }
    if (query.status !== undefined) {
      const statuses = [query.status].flat();
      if (statuses.length === 0) return { tasks: [], next_cursor: null };
      where.push(`${STATUS_EXPR} IN (${statuses.map(() => '?').join(', ')})`);
      parameters.push(...statuses);
    }
    const rows = await commit.read(() =>
      table.query(
        `SELECT key, value FROM ${TABLE} WHERE ${where.join(' AND ')} ORDER BY key LIMIT ?`,
        ...parameters,
        limit + 1,
      ),
    );
    const tasks = rows.slice(0, limit).map(toRecord);
    const last = tasks[tasks.length - 1];
    return { tasks, next_cursor: rows.length > limit && last ? encodeCursor(last.id) : null };
  }

  async loadSchedulable(): Promise<readonly TaskRecord[]> {
    const { table, commit } = this.live() ?? (await this.opening);
    // One read for all pages: no transaction commits in between, so the result is one snapshot.
    return commit.read(async () => {
      const records: TaskRecord[] = [];
      const pages = async (condition: string, ...parameters: unknown[]) => {
        for (let after = ''; ; ) {
          const rows = await table.query(
            `SELECT key, value FROM ${TABLE} WHERE ${TASK_RANGE} AND ${condition} AND key > ? ORDER BY key LIMIT ?`,
            ...parameters,
            after,
            LOAD_PAGE,
          );
          for (const row of rows) records.push(toRecord(row));
          const last = rows[rows.length - 1];
          if (rows.length < LOAD_PAGE || last === undefined) return;
          after = last.key;
        }
      };
      for (const status of SCHEDULABLE) await pages(`${STATUS_EXPR} = ?`, status);
      const settled = records.length;
      // Completed or cancelled tasks that still have runs to finish (the index holds only those with runs in flight).
      await pages(`${IN_FLIGHT_EXPR} > 0`);
      const rest = records.splice(settled).filter((task) => !SCHEDULABLE.includes(task.status));
      records.push(...rest);
      return records;
    });
  }

  async recordRun(
    result: RunResult,
    options: { readonly retain: number; readonly channels: readonly string[] },
  ): Promise<void> {
    const run = StoredJson.of(result, `run ${result.run_id}`);
    const entry: OutboxEntry = { result, pending: [...options.channels] };
    const pending = options.channels.length > 0 ? StoredJson.of(entry, `outbox entry ${result.run_id}`) : null;
    const { table, commit } = this.live() ?? (await this.opening);
    const prefix = runPrefix(result.task_id);
    const outbox = outboxKey(result.run_id);
    await commit.write([prefix, outbox], async () => {
      await table.set(prefix + result.run_id, run);
      if (pending) await table.set(outbox, pending);
      // Run ids are UUIDv7, so key order is age order: everything past the newest `retain` goes.
      const stale = await table.query<{ key: string }>(
        `SELECT key FROM ${TABLE} WHERE key > ? AND key < ? ORDER BY key DESC LIMIT -1 OFFSET ?`,
        prefix,
        runEnd(prefix),
        options.retain,
      );
      for (const { key } of stale) await table.delete(key);
    });
  }

  async listRuns(taskId: string, query: RunQuery): Promise<RunPage> {
    const { table, commit } = this.live() ?? (await this.opening);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const prefix = runPrefix(taskId);
    const before = query.cursor === undefined ? runEnd(prefix) : prefix + decodeCursor(query.cursor);
    const rows = await commit.read(() =>
      table.query(
        `SELECT key, value FROM ${TABLE} WHERE key > ? AND key < ? ORDER BY key DESC LIMIT ?`,
        prefix,
        before,
        limit + 1,
      ),
    );
    const runs = rows.slice(0, limit).map((row) => parseEntry<RunResult>(row));
    const last = runs[runs.length - 1];
    return { runs, next_cursor: rows.length > limit && last ? encodeCursor(last.run_id) : null };
  }

  async listOutbox(query: { readonly limit: number; readonly after?: string }): Promise<readonly OutboxEntry[]> {
    const { table, commit } = this.live() ?? (await this.opening);
    const after = query.after === undefined ? OUTBOX_PREFIX : outboxKey(query.after);
    const rows = await commit.read(() =>
      table.query(
        `SELECT key, value FROM ${TABLE} WHERE key > ? AND key < ? ORDER BY key LIMIT ?`,
        after,
        OUTBOX_END,
        query.limit,
      ),
    );
    return rows.map((row) => parseEntry<OutboxEntry>(row));
  }

  async confirmDelivery(runId: string, channel: string): Promise<void> {
    const { table, commit } = this.live() ?? (await this.opening);
    const key = outboxKey(runId);
    await commit.write([key], async () => {
      const entry = await table.get<OutboxEntry>(key);
      if (entry === undefined || !entry.pending.includes(channel)) return;
      const pending = entry.pending.filter((name) => name !== channel);
      if (pending.length === 0) await table.delete(key);
      else await table.set(key, StoredJson.of({ ...entry, pending }, `outbox entry ${runId}`));
    });
  }

  /**
   * Writes a consistent copy of the store to `path` while it runs (SQLite's `VACUUM INTO`): a
   * single compact file with every write acknowledged before the call, that a store can open as
   * is. Writes wait while the copy is made. The exclusive lock keeps other processes (the
   * `sqlite3` shell's `.backup`) out of the file, so this is the way to back up a running store.
   * @throws StoreError, for instance when `path` exists (a backup never overwrites)
   */
  async backup(path: string): Promise<void> {
    const { table, commit } = this.live() ?? (await this.opening);
    const target = resolve(path);
    // VACUUM INTO would refuse too, but only after the busy timeout when a store holds the file.
    if (existsSync(target)) throw new StoreError(`cannot back up ${this.path} to ${target}: the file exists`);
    await commit.read(() => table.query('VACUUM INTO ?', target));
  }

  /**
   * Commits every write already queued, then closes the file (SQLite folds the WAL into it and
   * removes it). Later calls reject with StoreError. Idempotent.
   */
  async close(): Promise<void> {
    this.closing ??= (async () => {
      let connection: Connection;
      try {
        connection = await this.opening;
      } catch {
        return; // never opened: nothing to flush or close
      }
      await connection.commit.close();
      await connection.table.close();
    })();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * The connection once open, without an `await`: a write called before close() is then queued
   * before close() stops the queue, so close() commits it.
   * @throws StoreError after close()
   */
  private live(): Connection | null {
    if (this.closing) throw new StoreError(`SQLite store ${this.path} is closed`);
    return this.connection;
  }
}

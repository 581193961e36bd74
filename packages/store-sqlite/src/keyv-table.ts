import { InvalidArgumentError, StoreError } from '@br-sdk/schedule';
import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';
import { TABLE } from './keys.ts';
import { type Row, RowBatch } from './row-batch.ts';

/** A row as `SELECT key, value` returns it: `value` is keyv's JSON text `{"value":…}`. */
export interface EntryRow {
  readonly key: string;
  readonly value: string;
}

/** Reads the value keyv stored in a row. */
export function parseEntry<T>(row: EntryRow): T {
  return (JSON.parse(row.value) as { value: T }).value;
}

/**
 * A value already turned into JSON text. Writes serialize when they are called, not inside the
 * transaction: a value that is not JSON (a BigInt, a cycle) then fails alone, with
 * InvalidArgumentError, instead of rolling back every write that shares its transaction, and the
 * transaction spends its time on SQLite only.
 */
export class StoredJson {
  readonly text: string;

  private constructor(text: string) {
    this.text = text;
  }

  /** @throws InvalidArgumentError when `value` cannot be written as JSON */
  static of(value: unknown, what: string): StoredJson {
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch (error) {
      throw new InvalidArgumentError(`cannot store ${what}`, [{ path: '', message: `not JSON: ${describe(error)}` }]);
    }
    if (text === undefined) {
      throw new InvalidArgumentError(`cannot store ${what}`, [{ path: '', message: `not JSON: ${typeof value}` }]);
    }
    return new StoredJson(text);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Rows per write statement: 2 parameters each, far below SQLite's limit of 32,766. */
const UPSERT_ROWS = 1000;

/**
 * The store's one table, reached through keyv and @keyv/sqlite, with every failure turned into a
 * StoreError that carries the driver's error as `cause`.
 *
 * keyv's habit is to report a failed write by returning `false` and emitting `error`, and a failed
 * read by returning `undefined` (a miss!). Here keyv runs with `throwOnErrors`, so reads throw, and
 * a `false` from a delete still counts as a failure, its cause taken from the `error` event: no
 * failure can pass for a success. Inserts and updates are SQL statements on the adapter's
 * connection (see {@link KeyvTable.set}), in the rows keyv writes, and throw when they fail.
 */
export class KeyvTable {
  /** The absolute path of the database file, for messages. */
  readonly path: string;
  readonly keyv: Keyv;
  readonly adapter: KeyvSqlite;
  /** The latest error keyv emitted, and how many it has emitted (to find the one of a call). */
  private lastError: unknown;
  private errorCount = 0;
  /** Writes made together, each kind one statement (see {@link KeyvTable.set}, {@link KeyvTable.add}). */
  private readonly upserts = new RowBatch<void>(async (rows) => {
    await this.writeRows(rows, 'set', ' ON CONFLICT(key) DO UPDATE SET value = excluded.value');
  });
  private readonly inserts = new RowBatch<boolean[]>(async (rows) => {
    const written = new Set<string>();
    const returned = await this.writeRows(rows, 'insert', ' ON CONFLICT(key) DO NOTHING RETURNING key');
    for (const { key } of returned) written.add(key);
    // A key twice in one statement: its first row is the one written.
    return rows.map(([key]) => written.delete(key));
  });

  constructor(path: string, busyTimeoutMs: number) {
    this.path = path;
    // Opens the file and runs `CREATE TABLE IF NOT EXISTS` in the background; the first query
    // awaits it and fails if it failed.
    this.adapter = new KeyvSqlite({ uri: `sqlite://${path}`, table: TABLE, busyTimeout: busyTimeoutMs });
    this.keyv = new Keyv({
      store: this.adapter,
      // Keys are used as given (`task:…`), not prefixed with a namespace.
      useKeyPrefix: false,
      throwOnErrors: true,
      // Plain JSON, not keyv's default serializer: that one escapes strings starting with ':'
      // (so SQL filters on json_extract would miss them) and is slower. The stored text keeps
      // keyv's shape, `{"value":…}` (no TTL is ever set, so no `expires`), as set() writes it.
      serialize: (data) => JSON.stringify(data),
      deserialize: (text) => JSON.parse(text),
    });
    // Also keeps an `error` event from throwing for want of a listener.
    this.keyv.on('error', (error: unknown) => {
      this.lastError = error;
      this.errorCount++;
    });
  }

  /** A StoreError for a failed `operation`, with the driver's error as cause. */
  failure(operation: string, cause: unknown): StoreError {
    if (cause instanceof StoreError) return cause;
    return new StoreError(`SQLite store ${this.path}: ${operation} failed: ${describe(cause)}`, { cause });
  }

  async get<T>(key: string): Promise<T | undefined> {
    try {
      return (await this.keyv.get<T>(key)) ?? undefined;
    } catch (error) {
      throw this.failure(`get ${key}`, error);
    }
  }

  /**
   * Writes `value` under `key` (replacing what is there), as keyv's own `set` would: the row
   * `{"value":…}` under the key, upserted as @keyv/sqlite does. Calls made together share one
   * statement (see RowBatch); keyv has no bulk write for SQLite to do it for us.
   */
  async set(key: string, value: StoredJson): Promise<void> {
    await this.upserts.add([key, `{"value":${value.text}}`]).done;
  }

  /**
   * Writes `value` under `key` unless the key exists: true when written, false when it was there
   * (or an earlier row of the same statement took it). One statement for the existence check and
   * the write, shared by the calls made together.
   */
  async add(key: string, value: StoredJson): Promise<boolean> {
    const { done, index } = this.inserts.add([key, `{"value":${value.text}}`]);
    return (await done)[index] === true;
  }

  /** `INSERT … VALUES (?, ?), …` + `conflict` for `rows`, in statements of UPSERT_ROWS. */
  private async writeRows(rows: readonly Row[], operation: string, conflict: string): Promise<{ key: string }[]> {
    const returned: { key: string }[] = [];
    try {
      for (let from = 0; from < rows.length; from += UPSERT_ROWS) {
        const chunk = rows.slice(from, from + UPSERT_ROWS);
        const sql = `INSERT INTO ${TABLE} (key, value) VALUES ${'(?, ?), '.repeat(chunk.length - 1)}(?, ?)${conflict}`;
        returned.push(...((await this.adapter.query(sql, ...chunk.flat())) as { key: string }[]));
      }
    } catch (error) {
      const [first] = rows[0] ?? [''];
      throw this.failure(`${operation} ${rows.length === 1 ? first : `${rows.length} keys`}`, error);
    }
    return returned;
  }

  /** Deletes `key`; false when it did not exist. */
  async delete(key: string): Promise<boolean> {
    const errorsBefore = this.errorCount;
    let deleted: boolean;
    try {
      deleted = await this.keyv.delete(key);
    } catch (error) {
      throw this.failure(`delete ${key}`, error);
    }
    // keyv's `false` means "absent" or "failed": only the error event tells them apart.
    if (!deleted && this.errorCount > errorsBefore) {
      throw this.failure(`delete ${key} (keyv returned false)`, this.lastError);
    }
    return deleted;
  }

  /** A raw statement on the same connection, for what keyv's key-value API cannot express. */
  async query<Row = EntryRow>(sql: string, ...parameters: unknown[]): Promise<Row[]> {
    try {
      return (await this.adapter.query(sql, ...parameters)) as Row[];
    } catch (error) {
      throw this.failure(`query "${sql.length > 80 ? `${sql.slice(0, 77)}...` : sql}"`, error);
    }
  }

  /** Closes the connection: SQLite checkpoints the WAL into the file and removes it. */
  async close(): Promise<void> {
    try {
      await this.adapter.close();
    } catch (error) {
      throw this.failure('close', error);
    }
  }
}

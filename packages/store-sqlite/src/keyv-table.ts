import { InvalidArgumentError, StoreError } from '@br-sdk/schedule';
import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';
import { TABLE } from './keys.ts';

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

/** Rows per upsert statement: 2 parameters each, far below SQLite's limit of 32,766. */
const UPSERT_ROWS = 1000;

/** The statement @keyv/sqlite's `set` runs, for `rows` rows. */
function upsertSql(rows: number): string {
  return (
    `INSERT INTO ${TABLE} (key, value) VALUES ${'(?, ?), '.repeat(rows - 1)}(?, ?) ` +
    'ON CONFLICT(key) DO UPDATE SET value = excluded.value'
  );
}

/**
 * The store's one table, reached through keyv and @keyv/sqlite, with every failure turned into a
 * StoreError that carries the driver's error as `cause`.
 *
 * keyv's habit is to report a failed write by returning `false` and emitting `error`, and a failed
 * read by returning `undefined` (a miss!). Here keyv runs with `throwOnErrors`, so reads throw, and
 * a `false` from a write still counts as a failure, its cause taken from the `error` event: no
 * failure can pass for a success.
 */
export class KeyvTable {
  /** The absolute path of the database file, for messages. */
  readonly path: string;
  readonly keyv: Keyv;
  readonly adapter: KeyvSqlite;
  /** The latest error keyv emitted, and how many it has emitted (to find the one of a call). */
  private lastError: unknown;
  private errorCount = 0;
  private pendingHas: { readonly keys: string[]; readonly found: Promise<Set<string>> } | null = null;
  private pendingSet: { readonly rows: [string, string][]; readonly done: Promise<void> } | null = null;

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
      // keyv's shape, `{"value":…}` (no TTL is ever set, so no `expires`).
      serialize: (data) => (data.value instanceof StoredJson ? `{"value":${data.value.text}}` : JSON.stringify(data)),
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
   * Whether `key` exists. Calls made in the same turn of the microtask queue (the writes of a batch
   * starting together) share one `keyv.get(keys[])`: a statement costs tens of µs of CPU in
   * node-sqlite3, and one per insert would halve the registration rate.
   */
  has(key: string): Promise<boolean> {
    if (this.pendingHas === null) {
      const keys: string[] = [];
      const found = new Promise<void>((resolve) => queueMicrotask(resolve)).then(async () => {
        this.pendingHas = null;
        try {
          const values = await this.keyv.get<unknown>(keys);
          return new Set(keys.filter((_, i) => values[i] !== undefined));
        } catch (error) {
          throw this.failure(`has ${keys.length === 1 ? keys[0] : `${keys.length} keys`}`, error);
        }
      });
      this.pendingHas = { keys, found };
    }
    const { keys, found } = this.pendingHas;
    keys.push(key);
    return found.then((present) => present.has(key));
  }

  /**
   * Writes `value` under `key`. Calls made in the same turn of the microtask queue (the writes of a
   * batch) share one multi-row upsert: node-sqlite3 prepares, runs and calls back per statement,
   * about 100 µs of wall time each, and one statement per write capped a batch of 1,000
   * registrations at ~9,000/s. The row is what keyv's own `set` would write (`{"value":…}` under
   * the key, upserted as @keyv/sqlite does); keyv has no bulk write for SQLite to do it for us.
   */
  set(key: string, value: StoredJson): Promise<void> {
    if (this.pendingSet === null) {
      const rows: [string, string][] = [];
      // nextTick runs once the microtask queue is empty: every write whose turn came has called set.
      const done = new Promise<void>((resolve) => process.nextTick(resolve)).then(() => {
        this.pendingSet = null;
        return this.upsert(rows);
      });
      this.pendingSet = { rows, done };
    }
    this.pendingSet.rows.push([key, `{"value":${value.text}}`]);
    return this.pendingSet.done;
  }

  private async upsert(rows: readonly (readonly [string, string])[]): Promise<void> {
    try {
      for (let from = 0; from < rows.length; from += UPSERT_ROWS) {
        const chunk = rows.slice(from, from + UPSERT_ROWS);
        await this.adapter.query(upsertSql(chunk.length), ...chunk.flat());
      }
    } catch (error) {
      const [first] = rows[0] ?? [''];
      throw this.failure(`set ${rows.length === 1 ? first : `${rows.length} keys`}`, error);
    }
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

import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { StoreError } from '@br-sdk/schedule';
import { StoreLockedError } from './errors.ts';
import { GroupCommit, TRANSACTION_GUARD_SQL } from './group-commit.ts';
import { KeyvTable } from './keyv-table.ts';
import type { ResolvedSqliteStoreOptions } from './options.ts';
import { migrateSchema, type SchemaMigration } from './schema.ts';

/** An open store file: the table and the group commit that every write and read goes through. */
export interface Connection {
  readonly table: KeyvTable;
  readonly commit: GroupCommit;
  readonly schema: SchemaMigration;
}

/** `PRAGMA synchronous` reads back as a number. */
const SYNCHRONOUS_LEVEL = { normal: 1, full: 2 } as const;

/** The driver's SQLITE_BUSY (or SQLITE_LOCKED) error in the cause chain of `error`, if any. */
function findBusy(error: unknown): Error | undefined {
  for (let e = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return e;
  }
  return undefined;
}

async function configure(table: KeyvTable, options: ResolvedSqliteStoreOptions): Promise<void> {
  // EXCLUSIVE first: SQLite takes the file lock on the next access (the switch to WAL) and keeps it
  // until close, so a second process fails at open instead of writing beside us (keyv has no
  // compare-and-set to make two writers safe). In this mode the WAL index lives in heap memory, so
  // there is no `-shm` file either.
  await table.query('PRAGMA locking_mode = EXCLUSIVE');
  const [journal] = await table.query<{ journal_mode: string }>('PRAGMA journal_mode = WAL');
  if (journal?.journal_mode !== 'wal') {
    throw new StoreError(`cannot open ${options.path}: SQLite refused WAL mode (got ${journal?.journal_mode})`);
  }
  await table.query(`PRAGMA synchronous = ${options.synchronous.toUpperCase()}`);
  const [sync] = await table.query<{ synchronous: number }>('PRAGMA synchronous');
  if (sync?.synchronous !== SYNCHRONOUS_LEVEL[options.synchronous]) {
    throw new StoreError(`cannot open ${options.path}: SQLite did not take synchronous=${options.synchronous}`);
  }
  await table.query('PRAGMA temp_store = MEMORY');
  for (const sql of TRANSACTION_GUARD_SQL) await table.query(sql);
}

/**
 * Opens (or creates) the store file: takes the exclusive lock, switches to WAL, sets the
 * durability level, installs the transaction guard and brings the schema up to date.
 * @throws StoreLockedError when another connection holds the file, StoreSchemaError, StoreError
 */
export async function openConnection(options: ResolvedSqliteStoreOptions): Promise<Connection> {
  try {
    await mkdir(dirname(options.path), { recursive: true });
  } catch (error) {
    throw new StoreError(`cannot open ${options.path}: cannot create its directory`, { cause: error });
  }
  const table = new KeyvTable(options.path, options.busyTimeoutMs);
  try {
    await configure(table, options);
    const commit = new GroupCommit({
      exec: (sql) => table.query(sql),
      maxBatchSize: options.maxBatchSize,
      label: `SQLite store ${options.path}`,
    });
    const schema = await migrateSchema(table, commit);
    return { table, commit, schema };
  } catch (error) {
    // Releases the file; fails harmlessly when the connection never opened.
    await table.close().catch(() => undefined);
    const busy = findBusy(error);
    if (busy) throw new StoreLockedError(options.path, { cause: busy });
    if (error instanceof StoreError) throw error;
    throw new StoreError(`cannot open ${options.path}`, { cause: error });
  }
}

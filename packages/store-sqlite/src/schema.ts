import { StoreSchemaError } from './errors.ts';
import type { GroupCommit } from './group-commit.ts';
import { IN_FLIGHT_EXPR, REQUESTER_EXPR, SCHEMA_VERSION_KEY, STATUS_EXPR, TABLE, TASK_RANGE } from './keys.ts';
import { type KeyvTable, StoredJson } from './keyv-table.ts';

/**
 * The schema version this package reads and writes, recorded in the file as `meta:schema_version`.
 * It changes when the key layout, the value shapes or the indexes change (see docs/upgrading.md).
 */
export const SCHEMA_VERSION = 1;

/** One step from schema `to - 1` to schema `to`, run in one transaction with the version bump. */
export interface Migration {
  readonly to: number;
  /** What changes, for the log and the docs. */
  readonly description: string;
  apply(table: KeyvTable): Promise<void>;
}

/**
 * Every migration, oldest first. A new, empty file is schema 0, so opening it runs them all; a file
 * at schema n runs those past n. Never edit a released migration: add the next one.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    to: 1,
    description: 'expression indexes for listing tasks by requester and by status, and for start-up',
    apply: async (table) => {
      // Partial indexes over the task range: runs and outbox entries would only bloat them.
      await table.query(
        `CREATE INDEX IF NOT EXISTS br_schedule_task_requester ON ${TABLE} (${REQUESTER_EXPR}, key) WHERE ${TASK_RANGE}`,
      );
      await table.query(
        `CREATE INDEX IF NOT EXISTS br_schedule_task_status ON ${TABLE} (${STATUS_EXPR}, key) WHERE ${TASK_RANGE}`,
      );
      // Completed and cancelled tasks accumulate; start-up needs only those with runs in flight.
      await table.query(
        `CREATE INDEX IF NOT EXISTS br_schedule_task_in_flight ON ${TABLE} (key) WHERE ${TASK_RANGE} AND ${IN_FLIGHT_EXPR} > 0`,
      );
    },
  },
];

/** What {@link migrateSchema} did: `from === to` when the file was current. */
export interface SchemaMigration {
  readonly from: number;
  readonly to: number;
}

async function readVersion(table: KeyvTable, target: number): Promise<number> {
  const found = await table.get<unknown>(SCHEMA_VERSION_KEY);
  if (found === undefined) {
    const [entry] = await table.query(`SELECT key FROM ${TABLE} LIMIT 1`);
    if (entry === undefined) return 0;
    throw new StoreSchemaError(
      table.path,
      null,
      target,
      `its table '${TABLE}' has entries but no '${SCHEMA_VERSION_KEY}': it is not a task store of @br-sdk/schedule-sqlite`,
    );
  }
  if (typeof found !== 'number' || !Number.isSafeInteger(found) || found < 0) {
    throw new StoreSchemaError(
      table.path,
      null,
      target,
      `'${SCHEMA_VERSION_KEY}' is ${JSON.stringify(found)}, not a schema version`,
    );
  }
  return found;
}

/**
 * Brings the file to schema `target` at open: refuses a newer schema (a downgrade), runs each
 * migration past the file's version in its own transaction, and records the new version in the
 * same transaction, so a crash mid-way leaves the file at a consistent version and the next open
 * resumes. Run before the store takes any other work.
 * @throws StoreSchemaError, StoreError
 */
export async function migrateSchema(
  table: KeyvTable,
  commit: GroupCommit,
  migrations: readonly Migration[] = MIGRATIONS,
  target: number = SCHEMA_VERSION,
): Promise<SchemaMigration> {
  const from = await readVersion(table, target);
  if (from > target) {
    throw new StoreSchemaError(
      table.path,
      from,
      target,
      `it was written by a newer @br-sdk/schedule-sqlite (schema ${from}; this version reads schema ${target} and older). ` +
        'Downgrades are refused: run the newer version, or restore the backup taken before the upgrade (docs/upgrading.md)',
    );
  }
  let version = from;
  for (const migration of migrations) {
    if (migration.to <= version || migration.to > target) continue;
    if (migration.to !== version + 1) {
      throw new StoreSchemaError(table.path, version, target, `no migration from schema ${version} to ${version + 1}`);
    }
    await commit.write([SCHEMA_VERSION_KEY], async () => {
      await migration.apply(table);
      await table.set(SCHEMA_VERSION_KEY, StoredJson.of(migration.to, SCHEMA_VERSION_KEY));
    });
    version = migration.to;
  }
  if (version !== target) {
    throw new StoreSchemaError(table.path, version, target, `no migration from schema ${version} to ${target}`);
  }
  return { from, to: version };
}

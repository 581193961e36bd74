import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';
import { describe, expect, it } from 'vitest';
import { SCHEMA_VERSION, SqliteTaskStore, StoreSchemaError } from '../src/index.ts';
import { openConnection } from '../src/open-connection.ts';
import { resolveSqliteStoreOptions } from '../src/options.ts';
import { MIGRATIONS, migrateSchema } from '../src/schema.ts';
import { taskRecord, useTempDir } from './helpers.ts';

const { tempDbPath } = useTempDir();

/** Writes `key` = `value` into the file with plain keyv (as another program could), the store being closed. */
async function writeWithPlainKeyv(path: string, key: string, value: unknown): Promise<void> {
  const adapter = new KeyvSqlite({ uri: `sqlite://${path}` });
  const keyv = new Keyv({ store: adapter, useKeyPrefix: false, serialize: JSON.stringify, deserialize: JSON.parse });
  await keyv.set(key, value);
  await adapter.close();
}

describe('SqliteTaskStore: schema version', () => {
  it('records the current schema version in a new file', async () => {
    await using store = await SqliteTaskStore.open({ path: tempDbPath() });
    expect(SCHEMA_VERSION).toBe(1);
    expect(await store.raw.keyv.get('meta:schema_version')).toBe(SCHEMA_VERSION);
  });

  it('refuses a file written by a newer version, naming the file and both versions', async () => {
    const path = tempDbPath();
    const store = await SqliteTaskStore.open({ path });
    await store.insert(taskRecord('task-a'));
    await store.close();
    await writeWithPlainKeyv(path, 'meta:schema_version', SCHEMA_VERSION + 1);

    const error = await SqliteTaskStore.open({ path }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreSchemaError);
    expect(error).toMatchObject({
      code: 'STORE_SCHEMA_UNSUPPORTED',
      path,
      found: SCHEMA_VERSION + 1,
      supported: SCHEMA_VERSION,
    });
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toMatch(/newer .* Downgrades are refused/);
  });

  it('refuses a file whose table has entries but no schema version', async () => {
    const path = tempDbPath();
    await writeWithPlainKeyv(path, 'something', { else: true });
    const error = await SqliteTaskStore.open({ path }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreSchemaError);
    expect((error as Error).message).toMatch(/not a task store/);
  });

  it('migrates an older file step by step at open, each step with its version bump', async () => {
    const path = tempDbPath();
    const options = resolveSqliteStoreOptions({ path });
    const applied: number[] = [];
    const next = {
      to: SCHEMA_VERSION + 1,
      description: 'a test migration',
      apply: async () => {
        applied.push(SCHEMA_VERSION + 1);
      },
    };
    // The file is at the current schema; a build one version newer migrates it at open.
    const { table, commit } = await openConnection(options);
    await table.keyv.get('meta:schema_version');
    expect(await migrateSchema(table, commit, [...MIGRATIONS, next], SCHEMA_VERSION + 1)).toEqual({
      from: SCHEMA_VERSION,
      to: SCHEMA_VERSION + 1,
    });
    expect(applied).toEqual([SCHEMA_VERSION + 1]);
    expect(await table.keyv.get('meta:schema_version')).toBe(SCHEMA_VERSION + 1);
    // Opening again at that version is a no-op.
    expect(await migrateSchema(table, commit, [...MIGRATIONS, next], SCHEMA_VERSION + 1)).toEqual({
      from: SCHEMA_VERSION + 1,
      to: SCHEMA_VERSION + 1,
    });
    expect(applied).toHaveLength(1);
    await commit.close();
    await table.close();
    // …and this build, one version older, now refuses the file.
    await expect(SqliteTaskStore.open({ path })).rejects.toBeInstanceOf(StoreSchemaError);
  });

  it('leaves the version where it was when a migration fails', async () => {
    const path = tempDbPath();
    const { table, commit } = await openConnection(resolveSqliteStoreOptions({ path }));
    const failing = {
      to: SCHEMA_VERSION + 1,
      description: 'fails half-way',
      apply: async () => {
        await table.query('CREATE TABLE half_done (x)');
        throw new Error('boom');
      },
    };
    await expect(migrateSchema(table, commit, [...MIGRATIONS, failing], SCHEMA_VERSION + 1)).rejects.toThrow(/boom/);
    expect(await table.keyv.get('meta:schema_version')).toBe(SCHEMA_VERSION);
    // Rolled back with the version bump: the half-done change is gone too.
    expect(await table.query("SELECT name FROM sqlite_master WHERE name = 'half_done'")).toEqual([]);
    await commit.close();
    await table.close();
  });
});

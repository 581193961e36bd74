import { resolve } from 'node:path';
import { InvalidArgumentError } from '@br-sdk/schedule';
import { describe, expect, it } from 'vitest';
import { resolveSqliteStoreOptions, type SqliteStoreOptions, SqliteTaskStore } from '../src/index.ts';

function issues(options: unknown): { path: string; message: string }[] {
  try {
    resolveSqliteStoreOptions(options as SqliteStoreOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return [...(error as InvalidArgumentError).issues];
  }
  throw new Error('expected InvalidArgumentError');
}

describe('resolveSqliteStoreOptions', () => {
  it('fills the defaults and makes the path absolute', () => {
    expect(resolveSqliteStoreOptions({ path: 'data/tasks.db' })).toEqual({
      path: resolve('data/tasks.db'),
      synchronous: 'full',
      busyTimeoutMs: 5000,
      maxBatchSize: 2000,
    });
  });

  it('names each bad option, its value and the rule', () => {
    expect(issues({ path: '', synchronous: 'off', busyTimeoutMs: -1, maxBatchSize: 1.5 })).toEqual([
      { path: 'path', message: 'expected the path of a database file, got ""' },
      { path: 'synchronous', message: `expected one of 'full', 'normal', got "off"` },
      { path: 'busyTimeoutMs', message: 'expected a whole number from 0 to 86400000, got -1' },
      { path: 'maxBatchSize', message: 'expected a whole number from 1 to 100000, got 1.5' },
    ]);
    expect(issues({})[0]?.path).toBe('path');
    expect(issues(null)[0]?.message).toMatch(/expected an object/);
  });

  it('refuses an in-memory database and SQLite URIs', () => {
    expect(issues({ path: ':memory:' })[0]?.message).toMatch(/MemoryTaskStore/);
    expect(issues({ path: 'file:tasks.db?mode=ro' })[0]?.path).toBe('path');
  });

  it('is what the store constructor checks, synchronously', () => {
    expect(() => new SqliteTaskStore({ path: '' })).toThrow(InvalidArgumentError);
  });
});

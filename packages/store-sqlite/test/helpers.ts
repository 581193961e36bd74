import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/**
 * A fresh directory per test file, removed with every database, WAL and journal in it after the
 * file's tests; `tempDbPath()` names a new database file in it, so each test has its own.
 */
export function useTempDir(): { dir: string; tempDbPath: (name?: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), 'br-schedule-sqlite-'));
  let n = 0;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return { dir, tempDbPath: (name = 'tasks') => join(dir, `${name}-${++n}.db`) };
}

/** A stored task and a finished run, from core's samples (the contract suite's own). */
export { sampleRunResult as runResult, sampleTaskRecord as taskRecord } from '@br-sdk/schedule/testing';

/** Ids `prefix-00000` … in order, so key order is creation order like UUIDv7. */
export function ids(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(5, '0')}`);
}

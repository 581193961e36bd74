import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_POLICIES, type RunResult, type TaskRecord } from '@br-sdk/schedule';
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

/** A stored task as the Scheduler would write it. */
export function taskRecord(id: string, fields: Partial<TaskRecord> = {}): TaskRecord {
  return {
    id,
    requester_id: 'requester-a',
    schedule: { timezone: 'UTC', rules: [{ cron: '0 17 * * THU' }] },
    target: { kind: 'function', name: 'report', parameters: { team: 'ops' } },
    policies: DEFAULT_POLICIES,
    status: 'active',
    created_at: '2026-11-22T10:00:00Z',
    updated_at: '2026-11-22T10:00:00Z',
    next_fire_at: '2026-11-26T17:00:00Z',
    fire_count: 0,
    last_run: null,
    in_flight: [],
    request_hash: null,
    ...fields,
  };
}

/** A finished run of `taskId`. */
export function runResult(taskId: string, runId: string, fields: Partial<RunResult> = {}): RunResult {
  return {
    task_id: taskId,
    requester_id: 'requester-a',
    run_id: runId,
    trigger: 'schedule',
    scheduled_at: '2026-11-26T17:00:00Z',
    fired_at: '2026-11-26T17:00:00.002Z',
    finished_at: '2026-11-26T17:00:00.010Z',
    attempts: 1,
    status: 'success',
    http_status: null,
    content: '"sent"',
    truncated: false,
    error: null,
    ...fields,
  };
}

/** Ids `prefix-00000` … in order, so key order is creation order like UUIDv7. */
export function ids(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(5, '0')}`);
}

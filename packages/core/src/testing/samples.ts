import { DEFAULT_POLICIES, type RunResult, type TaskRecord } from '../scheduler/task.ts';

/** Sample records for store tests: the contract suite uses them, and adapters' own tests can. */

/** A stored task as the Scheduler would write it, with `fields` overriding. */
export function sampleTaskRecord(id: string, fields: Partial<TaskRecord> = {}): TaskRecord {
  return {
    id,
    requester_id: 'requester-a',
    schedule: { timezone: 'UTC', rules: [{ cron: '0 17 * * THU' }] },
    target: { kind: 'function', name: 'report', parameters: { team: 'ops', n: 1 } },
    policies: DEFAULT_POLICIES,
    status: 'active',
    created_at: '2026-11-22T10:00:00Z',
    updated_at: '2026-11-22T10:00:00Z',
    next_fire_at: '2026-11-26T17:00:00Z',
    fire_count: 0,
    last_run: null,
    in_flight: [],
    request_hash: 'hash',
    ...fields,
  };
}

/** A finished run of `taskId`, with `fields` overriding. */
export function sampleRunResult(taskId: string, runId: string, fields: Partial<RunResult> = {}): RunResult {
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
    http_status: 200,
    content: '{"ok":true}',
    truncated: false,
    error: null,
    ...fields,
  };
}

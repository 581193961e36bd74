import { describe, expect, it } from 'vitest';
import { type PendingFire, TaskRuntime } from '../../src/scheduler/task-runtime.ts';
import { sampleRunResult, sampleTaskRecord } from '../../src/testing/index.ts';

const fire: PendingFire = {
  status: 'completed',
  nextFireAt: null,
  counted: 1,
  runId: 'run-2',
  scheduledAt: '2026-11-26T17:00:00Z',
  updatedAt: '2026-11-26T17:00:00.001Z',
};
const earlier = { run_id: 'run-1', scheduled_at: '2026-11-19T17:00:00Z', trigger: 'schedule' } as const;
const result = sampleRunResult('a', 'run-2');

/** The records fire() and the result wrote before fires were left pending: each a copy of the last. */
function eager(inFlight: (typeof earlier)[]) {
  const before = sampleTaskRecord('a', { in_flight: inFlight });
  const fired = {
    ...before,
    status: fire.status,
    next_fire_at: fire.nextFireAt,
    fire_count: before.fire_count + 1,
    in_flight: [...inFlight, { run_id: 'run-2', scheduled_at: fire.scheduledAt, trigger: 'schedule' as const }],
    updated_at: fire.updatedAt,
  };
  const done = {
    ...fired,
    last_run: result,
    in_flight: fired.in_flight.filter((r) => r.run_id !== 'run-2'),
    updated_at: result.finished_at,
  };
  return { before, fired, done };
}

describe('TaskRuntime: a pending fire', () => {
  for (const inFlight of [[], [earlier]]) {
    it(`reads as the record fire() wrote (${inFlight.length} run(s) in flight before)`, () => {
      const { before, fired, done } = eager(inFlight);
      const runtime = new TaskRuntime(before, undefined as never, -1);
      runtime.recordFire(fire);
      expect(runtime.settled).toBe(before);
      expect(runtime.record).toEqual(fired);
      expect(Object.keys(runtime.record)).toEqual(Object.keys(fired));
      runtime.recordResult('run-2', result, result.finished_at);
      expect(runtime.record).toEqual(done);
    });

    it(`skipped by the run's result gives the same record (${inFlight.length} run(s) in flight before)`, () => {
      const { before, done } = eager(inFlight);
      const runtime = new TaskRuntime(before, undefined as never, -1);
      runtime.recordFire(fire);
      runtime.recordResult('run-2', result, result.finished_at);
      expect(runtime.record).toEqual(done);
      expect(Object.keys(runtime.record)).toEqual(Object.keys(done));
    });
  }

  it('applies a pending fire before the next one, and before another run finishes', () => {
    const runtime = new TaskRuntime(sampleTaskRecord('a', { in_flight: [earlier] }), undefined as never, -1);
    runtime.recordFire({ ...fire, status: 'active', nextFireAt: '2026-12-03T17:00:00Z' });
    runtime.recordFire({ ...fire, runId: 'run-3', scheduledAt: '2026-12-03T17:00:00Z' });
    expect(runtime.record.fire_count).toBe(2);
    expect(runtime.record.in_flight.map((r) => r.run_id)).toEqual(['run-1', 'run-2', 'run-3']);
    runtime.recordFire({ ...fire, runId: null, counted: 0 });
    runtime.recordResult('run-1', result, result.finished_at);
    expect(runtime.record.in_flight.map((r) => r.run_id)).toEqual(['run-2', 'run-3']);
  });
});

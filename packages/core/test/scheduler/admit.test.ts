import { afterEach, describe, expect, it } from 'vitest';
import {
  type Executor,
  InvalidArgumentError,
  type TargetForbiddenError,
  TaskNotActiveError,
  type TaskTarget,
} from '../../src/index.ts';
import { createHarness, deferred } from './helpers.ts';

/**
 * An executor of `gated` targets (`{ kind: 'gated', host }`) whose admit refuses the host
 * `forbidden`, and can be held open to let other calls in while it "looks up".
 */
function gatedExecutor() {
  const admitted: string[] = [];
  let hold: Promise<void> | null = null;
  const executor: Executor = {
    kind: 'gated',
    validate: (target) => (typeof target['host'] === 'string' ? [] : [{ path: 'host', message: 'expected a string' }]),
    admit: async (target: TaskTarget) => {
      admitted.push(target['host'] as string);
      await hold;
      return target['host'] === 'forbidden' ? [{ path: 'host', message: 'forbidden is not allowed' }] : [];
    },
    execute: async () => ({ status: 'success', content: null, error: null }),
  };
  return {
    executor,
    admitted,
    holdAdmission: () => {
      const gate = deferred();
      hold = gate.promise;
      return () => {
        hold = null;
        gate.resolve();
      };
    },
  };
}

const task = (host: string | number, extra: Record<string, unknown> = {}) => ({
  requester_id: 'requester-a',
  schedule: { rules: [{ cron: '0 * * * *' }] },
  target: { kind: 'gated', host },
  ...extra,
});

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('Executor.admit: the asynchronous check of a target, before it is stored', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => stop?.());

  async function harness() {
    const gated = gatedExecutor();
    const h = await createHarness({ executors: [gated.executor] });
    stop = () => h.scheduler.stop();
    return { ...h, ...gated };
  }

  it('refuses a new task with TargetForbiddenError, its paths under target, and stores nothing', async () => {
    const h = await harness();
    const error = (await errorOf(h.scheduler.schedule(task('forbidden')))) as TargetForbiddenError;
    expect(error.code).toBe('TARGET_FORBIDDEN');
    expect(error.issues).toEqual([{ path: 'target.host', message: 'forbidden is not allowed' }]);
    expect(error.message).toBe('forbidden target: target.host: forbidden is not allowed');
    expect((await h.scheduler.list()).tasks).toEqual([]);
  });

  it('is not asked about a target that failed validate, nor about a retry of a task it admitted', async () => {
    const h = await harness();
    expect(await errorOf(h.scheduler.schedule(task(42)))).toBeInstanceOf(InvalidArgumentError);
    const first = await h.scheduler.schedule(task('ok', { task_id: 'client-chosen' }));
    expect(await h.scheduler.schedule(task('ok', { task_id: 'client-chosen' }))).toEqual(first);
    expect(h.admitted).toEqual(['ok']);
  });

  it('checks a changed target, keeping the old one when it is refused', async () => {
    const h = await harness();
    const created = await h.scheduler.schedule(task('ok'));
    const error = (await errorOf(
      h.scheduler.update(created.id, { target: { kind: 'gated', host: 'forbidden' } }),
    )) as TargetForbiddenError;
    expect(error.issues.map((i) => i.path)).toEqual(['target.host']);
    expect((await h.scheduler.get(created.id)).target).toEqual({ kind: 'gated', host: 'ok' });
    await h.scheduler.update(created.id, { policies: { overlap: 'skip' } });
    expect(h.admitted).toEqual(['ok', 'forbidden']);
  });

  it('does not change a task cancelled while its new target was being admitted', async () => {
    const h = await harness();
    const created = await h.scheduler.schedule(task('ok'));
    const release = h.holdAdmission();
    const update = errorOf(h.scheduler.update(created.id, { target: { kind: 'gated', host: 'other' } }));
    await h.scheduler.cancel(created.id);
    release();
    expect(await update).toBeInstanceOf(TaskNotActiveError);
    expect((await h.scheduler.get(created.id)).target).toEqual({ kind: 'gated', host: 'ok' });
  });
});

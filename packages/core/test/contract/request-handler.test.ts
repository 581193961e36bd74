import { afterEach, describe, expect, it } from 'vitest';
import { derivedTaskId, RequestHandler, readRequest, replySchema, toResultMessage } from '../../src/contract/index.ts';
import { type Executor, type ResultChannel, Scheduler, type TaskTarget } from '../../src/index.ts';
import { FakeClock } from '../../src/testing/index.ts';

const REQUESTER = '0f8c2a4e-3b1d-4c5e-9a7b-1c2d3e4f5a6b';
const OTHER = '7d1e2f3a-4b5c-4d6e-8f9a-0b1c2d3e4f5a';

/** An `http` executor that records calls instead of making them: the contract is what is under test here. */
function recordingHttp() {
  const calls: { target: TaskTarget; scheduledAt: string }[] = [];
  const executor: Executor = {
    kind: 'http',
    validate: (target) =>
      typeof target['uri'] === 'string' && target['uri'].startsWith('http')
        ? []
        : [{ path: 'uri', message: 'expected an absolute http(s) URL' }],
    execute: async (target, context) => {
      calls.push({ target, scheduledAt: new Date(context.scheduled_at).toISOString() });
      return { status: 'success', content: 'done', error: null, http_status: 200 };
    },
  };
  return { executor, calls };
}

async function setup(channels: ResultChannel[] = []) {
  const clock = new FakeClock('2026-11-22T00:00:00Z');
  const http = recordingHttp();
  const scheduler = new Scheduler({ clock, executors: [http.executor], channels, defaultTimezone: 'Europe/London' });
  await scheduler.start();
  return { clock, scheduler, handler: new RequestHandler(scheduler), calls: http.calls };
}

/** The contract's original message: crontab list, parameters as a JSON string, no `op`. */
const contractMessage = {
  uri: 'http://127.0.0.1:9/report',
  parameters: '{"team":"ops","format":"pdf"}',
  method: 'POST',
  schedule: [{ minute: '0', hour: '17', day_of_week: 'THU' }],
  requester_id: REQUESTER,
  requester_signature: 'sig',
};

describe('RequestHandler', () => {
  let scheduler: Scheduler | undefined;
  afterEach(async () => scheduler?.stop());

  it("creates a task from the contract's exact message, calls it with its parameters, and every reply matches the schema", async () => {
    const h = await setup();
    scheduler = h.scheduler;
    const reply = await h.handler.handle(contractMessage);
    expect(replySchema.safeParse(reply).success).toBe(true);
    if (!reply.ok || !reply.task) throw new Error(JSON.stringify(reply));
    expect(reply.op).toBe('create');
    expect(reply.task.target).toEqual({
      kind: 'http',
      uri: 'http://127.0.0.1:9/report',
      method: 'POST',
      parameters: '{"team":"ops","format":"pdf"}',
    });
    // The server's default zone applies to a crontab: Thursday 26 November 17:00 in London (GMT).
    expect(reply.task.schedule.timezone).toBe('Europe/London');
    expect(reply.task.next_fires.slice(0, 2)).toEqual(['2026-11-26T17:00:00Z', '2026-12-03T17:00:00Z']);
    expect(reply.task.next_fires).toHaveLength(5);
    expect(reply.task).not.toHaveProperty('request_hash');

    await h.clock.advanceTo('2026-11-26T17:00:01Z');
    expect(h.calls).toHaveLength(1);
    expect(h.calls[0]?.scheduledAt).toBe('2026-11-26T17:00:00.000Z');
    const got = await h.handler.handle({ op: 'get', task_id: reply.task.id, request_id: 'r1' });
    expect(got).toMatchObject({
      ok: true,
      request_id: 'r1',
      task: { last_run: { status: 'success', content: 'done' } },
    });
  });

  it('names the field at fault, where the client wrote it', async () => {
    const h = await setup();
    scheduler = h.scheduler;
    const cases: [Record<string, unknown>, string, string][] = [
      [{ ...contractMessage, schedule: [{ minute: '61' }] }, 'SCHEDULE_INVALID', 'schedule[0].minute'],
      [{ ...contractMessage, uri: 'ftp://x' }, 'INVALID_ARGUMENT', 'uri'],
      [{ ...contractMessage, requester_id: 'billing' }, 'INVALID_ARGUMENT', 'requester_id'],
      [{ ...contractMessage, method: 'FETCH' }, 'INVALID_ARGUMENT', 'method'],
      [{ ...contractMessage, colour: 'red' }, 'INVALID_ARGUMENT', 'colour'],
      [{ ...contractMessage, schedule: undefined }, 'INVALID_ARGUMENT', 'schedule'],
      [{ ...contractMessage, policies: { overlap: 'sometimes' } }, 'INVALID_ARGUMENT', 'policies.overlap'],
      [{ op: 'explode' }, 'UNKNOWN_OPERATION', 'op'],
      [{ op: 'get' }, 'INVALID_ARGUMENT', 'task_id'],
      [{ op: 'preview', schedule: { rules: [{ every: 'P0D' }] } }, 'SCHEDULE_INVALID', 'schedule.rules[0].every'],
    ];
    for (const [message, code, path] of cases) {
      const reply = await h.handler.handle({ ...message, request_id: 'x' });
      expect(replySchema.safeParse(reply).success).toBe(true);
      expect(reply, JSON.stringify(message)).toMatchObject({ ok: false, request_id: 'x', error: { code } });
      if (reply.ok) continue;
      expect(
        reply.error.issues.map((i) => i.path),
        JSON.stringify(reply.error),
      ).toContain(path);
    }
    for (const malformed of [null, 42, 'text', [contractMessage]]) {
      expect(await h.handler.handle(malformed)).toMatchObject({ ok: false, error: { code: 'MALFORMED_MESSAGE' } });
    }
  });

  it('carries out every operation', async () => {
    const h = await setup();
    scheduler = h.scheduler;
    const created = await h.handler.handle({ ...contractMessage, task_id: 'weekly-report' });
    expect(created).toMatchObject({ ok: true, task: { id: 'weekly-report' } });
    // The same message again is idempotent; the same id for another task is a conflict.
    expect(await h.handler.handle({ ...contractMessage, task_id: 'weekly-report' })).toMatchObject({ ok: true });
    expect(
      await h.handler.handle({ ...contractMessage, uri: 'http://127.0.0.1:9/other', task_id: 'weekly-report' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'TASK_CONFLICT' },
    });

    const updated = await h.handler.handle({
      op: 'update',
      task_id: 'weekly-report',
      parameters: { team: 'sales' },
      schedule: [{ minute: '0', hour: '4', day_of_week: 'SAT' }],
    });
    expect(updated).toMatchObject({
      ok: true,
      task: { target: { uri: 'http://127.0.0.1:9/report', method: 'POST', parameters: { team: 'sales' } } },
    });
    if (!updated.ok) throw new Error('update failed');
    expect(updated.task?.next_fires[0]).toBe('2026-11-28T04:00:00Z');

    expect(await h.handler.handle({ op: 'pause', task_id: 'weekly-report' })).toMatchObject({
      task: { status: 'paused', next_fires: [] },
    });
    expect(await h.handler.handle({ op: 'resume', task_id: 'weekly-report' })).toMatchObject({
      task: { status: 'active' },
    });
    const triggered = await h.handler.handle({ op: 'trigger', task_id: 'weekly-report' });
    expect(triggered).toMatchObject({ ok: true, run_id: expect.any(String) });
    await h.clock.advance(1);
    expect(await h.handler.handle({ op: 'runs', task_id: 'weekly-report', limit: 10 })).toMatchObject({
      ok: true,
      runs: [{ trigger: 'manual', status: 'success' }],
      next_cursor: null,
    });
    expect(await h.handler.handle({ op: 'list', requester_id: REQUESTER, status: ['active'] })).toMatchObject({
      ok: true,
      tasks: [{ id: 'weekly-report' }],
    });
    expect(await h.handler.handle({ op: 'list', requester_id: OTHER })).toMatchObject({ ok: true, tasks: [] });
    expect(
      await h.handler.handle({
        op: 'preview',
        schedule: { rules: [{ cron: '0 15 3 * *' }] },
        count: 2,
        from: '2026-11-22T00:00:00Z',
      }),
    ).toEqual({ ok: true, op: 'preview', fires: ['2026-12-03T15:00:00Z', '2027-01-03T15:00:00Z'] });
    expect(await h.handler.handle({ op: 'cancel', task_id: 'weekly-report' })).toMatchObject({
      task: { status: 'cancelled', next_fires: [] },
    });
    expect(await h.handler.handle({ op: 'resume', task_id: 'weekly-report' })).toMatchObject({
      ok: false,
      error: { code: 'TASK_NOT_ACTIVE' },
    });
  });

  it("hides another requester's task", async () => {
    const h = await setup();
    scheduler = h.scheduler;
    const created = await h.handler.handle(contractMessage);
    if (!created.ok || !created.task) throw new Error('create failed');
    for (const op of ['get', 'cancel', 'pause', 'resume', 'trigger', 'runs', 'update']) {
      const reply = await h.handler.handle({ op, task_id: created.task.id, requester_id: OTHER });
      expect(reply, op).toMatchObject({ ok: false, error: { code: 'TASK_NOT_FOUND' } });
    }
    expect((await h.scheduler.get(created.task.id)).status).toBe('active');
  });

  it('makes a redelivered message find its task through the transport key', async () => {
    const h = await setup();
    scheduler = h.scheduler;
    const first = await h.handler.handle(contractMessage, { idempotencyKey: 'msg-1' });
    const again = await h.handler.handle(contractMessage, { idempotencyKey: 'msg-1' });
    const other = await h.handler.handle(contractMessage, { idempotencyKey: 'msg-2' });
    if (!first.ok || !again.ok || !other.ok) throw new Error('create failed');
    expect(again.task?.id).toBe(first.task?.id);
    expect(other.task?.id).not.toBe(first.task?.id);
    expect(first.task?.id).toBe(derivedTaskId(REQUESTER, 'msg-1'));
    expect(first.task?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect((await h.scheduler.list({})).tasks).toHaveLength(2);
  });

  it('sends the results of tasks made through a channel to that channel only', async () => {
    const delivered: Record<string, string[]> = { amqp: [], ws: [] };
    const channel = (name: string): ResultChannel => ({
      name,
      deliver: async (result) => {
        delivered[name]?.push(result.run_id);
      },
    });
    const h = await setup([channel('amqp'), channel('ws')]);
    scheduler = h.scheduler;
    const viaWs = await h.handler.handle(contractMessage, { deliverTo: ['ws'] });
    const everywhere = await h.handler.handle({ ...contractMessage, task_id: 'all' });
    if (!viaWs.ok || !everywhere.ok) throw new Error('create failed');
    expect(viaWs.task?.deliver_to).toEqual(['ws']);
    await h.clock.advanceTo('2026-11-26T17:00:01Z');
    await h.scheduler.stop();
    expect(delivered['ws']).toHaveLength(2);
    expect(delivered['amqp']).toHaveLength(1);
  });
});

describe('readRequest', () => {
  it('reads a message without op as create', () => {
    expect(readRequest(contractMessage)).toMatchObject({ op: 'create', request: { uri: contractMessage.uri } });
  });
});

describe('toResultMessage', () => {
  it("adds the call to the run's result", () => {
    const result = {
      task_id: 't',
      requester_id: REQUESTER,
      run_id: 'r',
      trigger: 'schedule' as const,
      scheduled_at: '2026-11-26T17:00:00Z',
      fired_at: '2026-11-26T17:00:00Z',
      finished_at: '2026-11-26T17:00:01Z',
      attempts: 1,
      status: 'failed' as const,
      http_status: 503,
      content: 'busy',
      truncated: false,
      error: 'HTTP 503',
    };
    expect(toResultMessage(result, { kind: 'http', uri: 'http://x/y', parameters: { a: 1 } })).toEqual({
      ...result,
      uri: 'http://x/y',
      method: 'GET',
      parameters: { a: 1 },
      scheduler_signature: null,
    });
    expect(toResultMessage(result, { kind: 'function', name: 'f' })).toMatchObject({
      uri: null,
      method: null,
      parameters: null,
    });
  });
});

import { MemoryTaskStore, StoreError, type TaskPage, type TaskQuery } from '@br-sdk/schedule';
import { describe, expect, it } from 'vitest';
import { type Answer, client, requester, startStack } from './helpers.ts';

/** A problem answer: its status, media type, and the fields every problem has. */
function expectProblem(answer: Answer, status: number, code: string) {
  expect(answer.status).toBe(status);
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(answer.body).toMatchObject({
    type: `https://br-sdk.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`,
    status,
    code,
  });
  expect(typeof answer.body.title).toBe('string');
  expect(typeof answer.body.detail).toBe('string');
  expect(Array.isArray(answer.body.issues)).toBe(true);
  expect(answer.text).not.toMatch(/\n\s+at /);
  return answer.body as { issues: { path: string; message: string }[]; detail: string };
}

const paths = (problem: { issues: { path: string }[] }) => problem.issues.map((i) => i.path);

describe('REST errors as problem+json', () => {
  it('validation: 400 with the path of each bad field, as the contract names them', async () => {
    const { api } = await startStack();
    const base = { requester_id: requester(), schedule: { minute: '0' }, uri: 'http://127.0.0.1:9/' };

    const badCron = expectProblem(
      await api('POST', '/v1/tasks', { ...base, schedule: [{ minute: '61' }] }),
      400,
      'SCHEDULE_INVALID',
    );
    expect(paths(badCron)).toEqual(['schedule[0].minute']);

    const badUri = expectProblem(await api('POST', '/v1/tasks', { ...base, uri: 'ftp://x/' }), 400, 'INVALID_ARGUMENT');
    expect(paths(badUri)).toEqual(['uri']);

    const missing = expectProblem(
      await api('POST', '/v1/tasks', { schedule: base.schedule, uri: base.uri }),
      400,
      'INVALID_ARGUMENT',
    );
    expect(paths(missing)).toEqual(['requester_id']);

    const unknownField = expectProblem(
      await api('POST', '/v1/tasks', { ...base, colour: 'red' }),
      400,
      'INVALID_ARGUMENT',
    );
    expect(unknownField.issues).toHaveLength(1);

    const routeField = expectProblem(
      await api('POST', '/v1/tasks', { ...base, op: 'cancel' }),
      400,
      'INVALID_ARGUMENT',
    );
    expect(paths(routeField)).toEqual(['op']);

    const patchId = expectProblem(await api('PATCH', '/v1/tasks/abc', { task_id: 'other' }), 400, 'INVALID_ARGUMENT');
    expect(paths(patchId)).toEqual(['task_id']);

    const badLimit = expectProblem(await api('GET', '/v1/tasks?limit=0'), 400, 'INVALID_ARGUMENT');
    expect(paths(badLimit)).toEqual(['limit']);
    expect(paths(expectProblem(await api('GET', '/v1/tasks?limit=ten'), 400, 'INVALID_ARGUMENT'))).toEqual(['limit']);
    expect(paths(expectProblem(await api('GET', '/v1/tasks?status=done'), 400, 'INVALID_ARGUMENT'))[0]).toMatch(
      /^status/,
    );
    expect(paths(expectProblem(await api('GET', '/v1/tasks?colour=red'), 400, 'INVALID_ARGUMENT'))).toEqual(['colour']);

    const badId = expectProblem(await api('GET', `/v1/tasks/${'x'.repeat(129)}`), 400, 'INVALID_ARGUMENT');
    expect(paths(badId)).toEqual(['task_id']);

    const badKey = expectProblem(
      await api('POST', '/v1/tasks', base, { 'idempotency-key': 'x'.repeat(256) }),
      400,
      'INVALID_ARGUMENT',
    );
    expect(paths(badKey)).toEqual(['Idempotency-Key']);

    const past = expectProblem(
      await api('POST', '/v1/tasks', { ...base, schedule: { rules: [{ at: '2001-01-01T00:00:00Z' }] } }),
      400,
      'SCHEDULE_INVALID',
    );
    expect(past.issues.length).toBeGreaterThan(0);

    const bodyOnAction = expectProblem(await api('POST', '/v1/tasks/abc/pause', { x: 1 }), 400, 'INVALID_ARGUMENT');
    expect(paths(bodyOnAction)).toEqual(['']);
  });

  it('bodies: not JSON, not an object, empty, wrong media type, over 1 MiB', async () => {
    const { api } = await startStack();
    expectProblem(await api('POST', '/v1/tasks', '{"requester_id":'), 400, 'MALFORMED_MESSAGE');
    expectProblem(await api('POST', '/v1/tasks', '[1,2]'), 400, 'MALFORMED_MESSAGE');
    expectProblem(await api('POST', '/v1/tasks', ''), 400, 'MALFORMED_MESSAGE');
    expectProblem(await api('POST', '/v1/tasks', '{"__proto__":{"x":1}}'), 400, 'MALFORMED_MESSAGE');
    expectProblem(
      await api('POST', '/v1/tasks', 'hello', { 'content-type': 'text/plain' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    const big = JSON.stringify({ requester_id: requester(), uri: 'x'.repeat(1_048_576) });
    expectProblem(await api('POST', '/v1/tasks', big), 413, 'MESSAGE_TOO_LARGE');
  });

  it('unknown routes 404, wrong methods 405 with Allow', async () => {
    const { api } = await startStack();
    expectProblem(await api('GET', '/v1/nothing'), 404, 'ROUTE_NOT_FOUND');
    expectProblem(await api('GET', '/v1/tasks/abc/nothing'), 404, 'ROUTE_NOT_FOUND');
    const put = await api('PUT', '/v1/tasks/abc', {});
    expectProblem(put, 405, 'METHOD_NOT_ALLOWED');
    expect(put.headers.get('allow')).toBe('GET, HEAD, PATCH, DELETE');
    const getPause = await api('GET', '/v1/tasks/abc/pause');
    expectProblem(getPause, 405, 'METHOD_NOT_ALLOWED');
    expect(getPause.headers.get('allow')).toBe('POST');
    expectProblem(await api('GET', '/v1/ws'), 426, 'UPGRADE_REQUIRED');
    expectProblem(await api('GET', '/v1/%E0%A4%A'), 400, 'MALFORMED_MESSAGE');
  });

  it('state: 404 TASK_NOT_FOUND (also for another requester), 409 TASK_NOT_ACTIVE, 422 SCHEDULE_SEARCH_LIMIT', async () => {
    const { api } = await startStack();
    expectProblem(await api('GET', '/v1/tasks/no-such-task'), 404, 'TASK_NOT_FOUND');
    expectProblem(await api('POST', '/v1/tasks/no-such-task/trigger'), 404, 'TASK_NOT_FOUND');
    expectProblem(await api('GET', '/v1/tasks/no-such-task/runs'), 404, 'TASK_NOT_FOUND');

    const owner = requester();
    const id = (
      await api('POST', '/v1/tasks', { requester_id: owner, schedule: { minute: '0' }, uri: 'http://127.0.0.1:9/' })
    ).body.id;
    expect((await api('GET', `/v1/tasks/${id}?requester_id=${owner}`)).status).toBe(200);
    expectProblem(await api('GET', `/v1/tasks/${id}?requester_id=${requester()}`), 404, 'TASK_NOT_FOUND');

    await api('DELETE', `/v1/tasks/${id}`);
    expectProblem(await api('PATCH', `/v1/tasks/${id}`, { uri: 'http://127.0.0.1:9/b' }), 409, 'TASK_NOT_ACTIVE');
    expectProblem(await api('POST', `/v1/tasks/${id}/pause`), 409, 'TASK_NOT_ACTIVE');

    const preview = await api('POST', '/v1/schedules/preview', {
      schedule: { rules: [{ cron: '* * * * * *' }], except: [{ cron: '* * * * SAT,SUN' }] },
      from: '2026-01-02T23:59:59Z',
      count: 1,
    });
    expectProblem(preview, 422, 'SCHEDULE_SEARCH_LIMIT');
  });

  it('503 SCHEDULER_NOT_RUNNING: a trigger while the scheduler is stopped', async () => {
    const { api, scheduler } = await startStack();
    const id = (
      await api('POST', '/v1/tasks', {
        requester_id: requester(),
        schedule: { minute: '0' },
        uri: 'http://127.0.0.1:9/',
      })
    ).body.id;
    await scheduler.stop();
    expectProblem(await api('POST', `/v1/tasks/${id}/trigger`), 503, 'SCHEDULER_NOT_RUNNING');
  });

  it('a failing store: STORE_FAILURE is 503; an unexpected error is 500 INTERNAL without its message', async () => {
    class FailingStore extends MemoryTaskStore {
      failure: Error | null = null;
      override async list(query: TaskQuery): Promise<TaskPage> {
        if (this.failure) throw this.failure;
        return super.list(query);
      }
    }
    const store = new FailingStore();
    const { api } = await startStack({ store });
    store.failure = new StoreError('disk full');
    expectProblem(await api('GET', '/v1/tasks'), 503, 'STORE_FAILURE');
    store.failure = new Error('secret connection string postgres://user:pw@db');
    const internal = expectProblem(await api('GET', '/v1/tasks'), 500, 'INTERNAL');
    expect(internal.detail).not.toContain('secret');
  });

  it('answers problem+json for a request before the transport is reachable only once started', async () => {
    const { transport, url } = await startStack();
    expect(transport.address?.url).toBe(url);
    await transport.stop();
    expect(transport.address).toBeNull();
    await expect(client(url)('GET', '/healthz')).rejects.toThrow();
  });
});

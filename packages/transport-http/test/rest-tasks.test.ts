import { describe, expect, it } from 'vitest';
import { requester, secondsAhead, startStack, startTarget, waitFor } from './helpers.ts';

describe('REST tasks', () => {
  it('creates a task from the contract message (crontab list, parameters as a JSON string) and answers 201 with its next fires', async () => {
    const { api } = await startStack();
    const target = await startTarget();
    const requesterId = requester();
    const created = await api('POST', '/v1/tasks', {
      requester_id: requesterId,
      schedule: [{ minute: '*/15' }, { minute: '7', hour: '3' }],
      uri: `${target.url}/hook`,
      method: 'POST',
      parameters: '{"team":"ops"}',
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toMatch(/^application\/json/);
    const task = created.body;
    expect(created.headers.get('location')).toBe(`/v1/tasks/${task.id}`);
    expect(task).toMatchObject({
      requester_id: requesterId,
      status: 'active',
      target: { kind: 'http', uri: `${target.url}/hook`, method: 'POST', parameters: '{"team":"ops"}' },
      last_run: null,
      fire_count: 0,
    });
    expect(task.next_fires).toHaveLength(5);
    expect(task.next_fire_at).toBe(task.next_fires[0]);
    for (const fire of task.next_fires)
      expect(Number(fire.slice(14, 16)) % 15 === 0 || fire.slice(11, 16) === '03:07').toBe(true);
    expect(task).not.toHaveProperty('request_hash');

    const fetched = await api('GET', `/v1/tasks/${task.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(task);
  });

  it('calls the target at the scheduled instant; GET then shows last_run and the run in /runs', async () => {
    const { api } = await startStack();
    const target = await startTarget();
    const at = secondsAhead(1);
    const created = await api('POST', '/v1/tasks', {
      requester_id: requester(),
      schedule: { rules: [{ at }] },
      uri: `${target.url}/hook`,
      method: 'POST',
      parameters: { n: 1 },
    });
    expect(created.status).toBe(201);
    expect(created.body.next_fires).toEqual([at]);
    const id: string = created.body.id;

    await waitFor(async () => (await api('GET', `/v1/tasks/${id}`)).body.last_run !== null, 5000, 'last_run');
    expect(target.requests).toHaveLength(1);
    const call = target.requests[0];
    expect(call?.method).toBe('POST');
    expect(call?.url).toBe('/hook');
    expect(JSON.parse(call?.body ?? '')).toEqual({ n: 1 });
    expect(call?.headers['x-br-scheduled-at']).toBe(at);
    expect(call?.headers['x-br-task-id']).toBe(id);
    // Not before its instant (how late it may be is the benchmarks' business, not a test's).
    expect(call?.at).toBeGreaterThanOrEqual(Date.parse(at));

    const task = (await api('GET', `/v1/tasks/${id}`)).body;
    expect(task).toMatchObject({ status: 'completed', next_fire_at: null, next_fires: [], fire_count: 1 });
    expect(task.last_run).toMatchObject({
      task_id: id,
      scheduled_at: at,
      status: 'success',
      http_status: 200,
      content: '{"ok":true}',
      trigger: 'schedule',
    });
    const runs = await api('GET', `/v1/tasks/${id}/runs`);
    expect(runs.status).toBe(200);
    expect(runs.body).toEqual({ runs: [task.last_run], next_cursor: null });
  });

  it('Idempotency-Key: a retry returns the same task; another body with the same key is 409 TASK_CONFLICT', async () => {
    const { api } = await startStack();
    const requesterId = requester();
    const body = { requester_id: requesterId, schedule: { minute: '0' }, uri: 'http://127.0.0.1:9/x' };
    const key = { 'idempotency-key': 'order-42' };
    const first = await api('POST', '/v1/tasks', body, key);
    const retry = await api('POST', '/v1/tasks', body, key);
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe(first.body.id);
    expect((await api('GET', `/v1/tasks?requester_id=${requesterId}`)).body.tasks).toHaveLength(1);

    const other = await api('POST', '/v1/tasks', { ...body, uri: 'http://127.0.0.1:9/y' }, key);
    expect(other.status).toBe(409);
    expect(other.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(other.body).toMatchObject({
      code: 'TASK_CONFLICT',
      status: 409,
      type: 'https://br-sdk.dev/problems/task-conflict',
    });

    // Another requester's same key is another task.
    const theirs = await api('POST', '/v1/tasks', { ...body, requester_id: requester() }, key);
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(first.body.id);
  });

  it('lists by requester and status (repeated or comma list) a page at a time', async () => {
    const { api } = await startStack();
    const mine = requester();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const created = await api('POST', '/v1/tasks', {
        requester_id: mine,
        schedule: { minute: String(i) },
        uri: 'http://127.0.0.1:9/',
      });
      ids.push(created.body.id);
    }
    await api('POST', '/v1/tasks', {
      requester_id: requester(),
      schedule: { minute: '0' },
      uri: 'http://127.0.0.1:9/',
    });
    await api('POST', `/v1/tasks/${ids[1]}/pause`);
    await api('DELETE', `/v1/tasks/${ids[2]}`);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `requester_id=${mine}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await api('GET', `/v1/tasks?${query}`);
      expect(page.status).toBe(200);
      expect(page.body.tasks.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.tasks.map((t: { id: string }) => t.id));
      cursor = page.body.next_cursor;
    } while (cursor !== null);
    expect(seen).toEqual(ids);

    const statuses = async (query: string) =>
      (await api('GET', `/v1/tasks?requester_id=${mine}&${query}`)).body.tasks.map((t: { status: string }) => t.status);
    expect(await statuses('status=paused')).toEqual(['paused']);
    expect(await statuses('status=paused,cancelled')).toEqual(['paused', 'cancelled']);
    expect(await statuses('status=paused&status=cancelled')).toEqual(['paused', 'cancelled']);
    expect(await statuses('status=active')).toHaveLength(3);
  });

  it('PATCH changes the schedule and the call; next_fires follow at once', async () => {
    const { api } = await startStack();
    const created = await api('POST', '/v1/tasks', {
      requester_id: requester(),
      schedule: { timezone: 'UTC', rules: [{ cron: '0 4 * * *' }] },
      uri: 'http://127.0.0.1:9/a',
      parameters: { a: 1 },
    });
    const id = created.body.id;
    expect(created.body.next_fires.every((f: string) => f.endsWith('T04:00:00Z'))).toBe(true);

    const patched = await api('PATCH', `/v1/tasks/${id}`, {
      schedule: { timezone: 'UTC', rules: [{ cron: '30 17 * * *' }] },
      parameters: { a: 2 },
      timeout_ms: 5000,
    });
    expect(patched.status).toBe(200);
    expect(patched.body.next_fires).toHaveLength(5);
    expect(patched.body.next_fires.every((f: string) => f.endsWith('T17:30:00Z'))).toBe(true);
    // The call's fields merge into the target: the uri stays.
    expect(patched.body.target).toMatchObject({ uri: 'http://127.0.0.1:9/a', parameters: { a: 2 }, timeout_ms: 5000 });
    expect((await api('GET', `/v1/tasks/${id}`)).body.next_fires).toEqual(patched.body.next_fires);
  });

  it('pause, resume, trigger and delete answer the task; a trigger calls the target now', async () => {
    const { api } = await startStack();
    const target = await startTarget();
    const created = await api('POST', '/v1/tasks', {
      requester_id: requester(),
      schedule: { rules: [{ cron: '0 0 1 1 *' }] },
      uri: `${target.url}/now`,
    });
    const id = created.body.id;

    const paused = await api('POST', `/v1/tasks/${id}/pause`);
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ id, status: 'paused', next_fire_at: null, next_fires: [] });
    const resumed = await api('POST', `/v1/tasks/${id}/resume`, {});
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({ id, status: 'active' });
    expect(resumed.body.next_fires).toHaveLength(5);

    const triggered = await api('POST', `/v1/tasks/${id}/trigger`);
    expect(triggered.status).toBe(202);
    expect(triggered.body.task.id).toBe(id);
    expect(typeof triggered.body.run_id).toBe('string');
    await waitFor(() => target.requests.length === 1, 5000, 'the triggered call');
    expect(target.requests[0]?.method).toBe('GET');
    await waitFor(async () => (await api('GET', `/v1/tasks/${id}/runs`)).body.runs.length === 1, 5000, 'the run');
    const runs = await api('GET', `/v1/tasks/${id}/runs?limit=1`);
    expect(runs.body.runs[0]).toMatchObject({ run_id: triggered.body.run_id, trigger: 'manual', status: 'success' });

    const deleted = await api('DELETE', `/v1/tasks/${id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ id, status: 'cancelled', next_fires: [] });
    // Cancelling again is a no-op; resuming a cancelled task is a conflict.
    expect((await api('DELETE', `/v1/tasks/${id}`)).status).toBe(200);
    expect((await api('POST', `/v1/tasks/${id}/resume`)).body.code).toBe('TASK_NOT_ACTIVE');
  });

  it('pages runs newest first', async () => {
    const { api } = await startStack();
    const target = await startTarget();
    const id = (
      await api('POST', '/v1/tasks', { requester_id: requester(), schedule: { minute: '0' }, uri: `${target.url}/` })
    ).body.id;
    const runIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      runIds.push((await api('POST', `/v1/tasks/${id}/trigger`)).body.run_id);
      await waitFor(async () => (await api('GET', `/v1/tasks/${id}/runs`)).body.runs.length === i + 1);
    }
    const first = await api('GET', `/v1/tasks/${id}/runs?limit=2`);
    expect(first.body.runs.map((r: { run_id: string }) => r.run_id)).toEqual([runIds[2], runIds[1]]);
    const second = await api(
      'GET',
      `/v1/tasks/${id}/runs?limit=2&cursor=${encodeURIComponent(first.body.next_cursor)}`,
    );
    expect(second.body).toMatchObject({ next_cursor: null });
    expect(second.body.runs.map((r: { run_id: string }) => r.run_id)).toEqual([runIds[0]]);
  });

  it('previews a schedule without creating a task', async () => {
    const { api } = await startStack();
    const preview = await api('POST', '/v1/schedules/preview', {
      schedule: {
        timezone: 'Asia/Tehran',
        rules: [{ cron: '0 17 * * THU' }, { every: 'P10DT3H', from: '2026-11-01T00:00:00' }],
      },
      from: '2026-11-22T00:00:00Z',
      count: 3,
    });
    expect(preview.status).toBe(200);
    expect(preview.body).toEqual({ fires: ['2026-11-26T13:30:00Z', '2026-12-01T05:30:00Z', '2026-12-03T13:30:00Z'] });
    expect((await api('GET', '/v1/tasks')).body.tasks).toEqual([]);
  });
});

import type { TaskTarget } from '@br-sdk/schedule';
import { describe, expect, it } from 'vitest';
import { DEFAULT_USER_AGENT, type HttpMethod } from '../src/index.ts';
import { createExecutor, runContext, startServer } from './helpers.ts';

const PARAMETERS = { team: 'ops & dev', n: 42, ok: true, none: null, ids: [1, 2], filter: { a: 'b c' } };

describe('parameters', () => {
  it.each<[HttpMethod, 'object' | 'string']>([
    ['GET', 'object'],
    ['GET', 'string'],
    ['HEAD', 'object'],
    ['HEAD', 'string'],
    ['DELETE', 'object'],
    ['DELETE', 'string'],
  ])('%s sends them in the query string (parameters as %s), after the uri query', async (method, form) => {
    const { url, requests } = await startServer();
    const parameters = form === 'object' ? PARAMETERS : JSON.stringify(PARAMETERS);
    const outcome = await createExecutor().execute(
      { kind: 'http', uri: `${url}/reports?page=2#fragment`, method, parameters },
      runContext(),
    );
    expect(outcome.status).toBe('success');
    const [request] = requests;
    expect(request?.method).toBe(method);
    expect(request?.body).toBe('');
    expect(request?.headers['content-type']).toBeUndefined();
    expect(request?.url).toBe(
      '/reports?page=2&team=ops%20%26%20dev&n=42&ok=true&none=null&ids=%5B1%2C2%5D&filter=%7B%22a%22%3A%22b%20c%22%7D',
    );
    const query = new URL(request?.url ?? '', url).searchParams;
    expect(Object.fromEntries(query)).toEqual({
      page: '2',
      team: 'ops & dev',
      n: '42',
      ok: 'true',
      none: 'null',
      ids: '[1,2]',
      filter: '{"a":"b c"}',
    });
  });

  it.each<[HttpMethod, 'object' | 'string']>([
    ['POST', 'object'],
    ['POST', 'string'],
    ['PUT', 'object'],
    ['PUT', 'string'],
    ['PATCH', 'object'],
    ['PATCH', 'string'],
  ])('%s sends them as a JSON body (parameters as %s), leaving the uri query alone', async (method, form) => {
    const { url, requests } = await startServer();
    const parameters = form === 'object' ? PARAMETERS : JSON.stringify(PARAMETERS);
    const outcome = await createExecutor().execute(
      { kind: 'http', uri: `${url}/reports?page=2`, method, parameters },
      runContext(),
    );
    expect(outcome.status).toBe('success');
    const [request] = requests;
    expect(request?.method).toBe(method);
    expect(request?.url).toBe('/reports?page=2');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request?.body ?? '')).toEqual(PARAMETERS);
  });

  it('sends a string of parameters as written, so numbers beyond 2^53 keep their digits', async () => {
    const { url, requests } = await startServer();
    const parameters = '{ "id": 12345678901234567890 }';
    await createExecutor().execute({ kind: 'http', uri: url, method: 'POST', parameters }, runContext());
    expect(requests[0]?.body).toBe(parameters);
  });

  it('without parameters: no query added, and an empty body without a content type', async () => {
    const { url, requests } = await startServer();
    const executor = createExecutor();
    await executor.execute({ kind: 'http', uri: `${url}/a?x=1` }, runContext());
    await executor.execute({ kind: 'http', uri: `${url}/b`, method: 'POST' }, runContext());
    expect(
      requests.map((r) => [r.method, r.url, r.body, r.headers['content-type'], r.headers['content-length']]),
    ).toEqual([
      ['GET', '/a?x=1', '', undefined, undefined],
      ['POST', '/b', '', undefined, '0'],
    ]);
  });

  it('empty parameters on a query method add nothing to the uri', async () => {
    const { url, requests } = await startServer();
    await createExecutor().execute({ kind: 'http', uri: `${url}/a`, parameters: {} }, runContext());
    expect(requests[0]?.url).toBe('/a');
  });

  it('defaults the method to GET', async () => {
    const { url, requests } = await startServer();
    await createExecutor().execute({ kind: 'http', uri: url }, runContext());
    expect(requests[0]?.method).toBe('GET');
  });
});

describe('headers', () => {
  it("sends the target's headers, and its Content-Type instead of application/json", async () => {
    const { url, requests } = await startServer();
    await createExecutor().execute(
      {
        kind: 'http',
        uri: url,
        method: 'PATCH',
        parameters: { a: 1 },
        headers: { Authorization: 'Bearer t0k3n', 'Content-Type': 'application/merge-patch+json', 'X-Tenant': 'acme' },
      },
      runContext(),
    );
    const headers = requests[0]?.headers;
    expect(headers?.authorization).toBe('Bearer t0k3n');
    expect(headers?.['content-type']).toBe('application/merge-patch+json');
    expect(headers?.['x-tenant']).toBe('acme');
  });

  it('names the task, the run, the occurrence and the attempt, with an idempotency key and a User-Agent', async () => {
    const { url, requests } = await startServer();
    await createExecutor().execute({ kind: 'http', uri: url }, runContext({ attempt: 2 }));
    expect(requests[0]?.headers).toMatchObject({
      'idempotency-key': 'task-1:2026-11-22T10:00:00Z',
      'x-br-task-id': 'task-1',
      'x-br-run-id': 'run-1',
      'x-br-scheduled-at': '2026-11-22T10:00:00Z',
      'x-br-attempt': '2',
      'user-agent': DEFAULT_USER_AGENT,
    });
  });

  it('keeps the idempotency key across the attempts of one occurrence while the attempt number grows', async () => {
    const { url, requests } = await startServer((_r, res) => {
      res.statusCode = 503;
      res.end();
    });
    const executor = createExecutor();
    const target: TaskTarget = { kind: 'http', uri: url, method: 'POST', parameters: { a: 1 } };
    for (const attempt of [1, 2, 3]) await executor.execute(target, runContext({ attempt }));
    await executor.execute(
      target,
      runContext({
        attempt: 1,
        scheduled_at: Date.parse('2026-11-22T11:00:00Z'),
        run_id: 'run-2',
        idempotency_key: 'task-1:2026-11-22T11:00:00Z',
      }),
    );
    expect(
      requests.map((r) => [r.headers['idempotency-key'], r.headers['x-br-attempt'], r.headers['x-br-run-id']]),
    ).toEqual([
      ['task-1:2026-11-22T10:00:00Z', '1', 'run-1'],
      ['task-1:2026-11-22T10:00:00Z', '2', 'run-1'],
      ['task-1:2026-11-22T10:00:00Z', '3', 'run-1'],
      ['task-1:2026-11-22T11:00:00Z', '1', 'run-2'],
    ]);
    expect(requests[3]?.headers['x-br-scheduled-at']).toBe('2026-11-22T11:00:00Z');
  });

  it('sends the userAgent option', async () => {
    const { url, requests } = await startServer();
    await createExecutor({ userAgent: 'billing-cron/2' }).execute({ kind: 'http', uri: url }, runContext());
    expect(requests[0]?.headers['user-agent']).toBe('billing-cron/2');
  });

  it('reuses keep-alive connections for sequential attempts', async () => {
    const { url, requests } = await startServer((_request, res, req) => res.end(String(req.socket.remotePort)));
    const executor = createExecutor();
    const ports = new Set<string | null>();
    for (let i = 0; i < 10; i++) ports.add((await executor.execute({ kind: 'http', uri: url }, runContext())).content);
    expect(requests).toHaveLength(10);
    // An attempt that starts as soon as the previous one's body ended can find that connection not yet
    // back in the pool (undici frees it a tick later) and take a second one: 2, not 10.
    expect(ports.size).toBeLessThanOrEqual(2);
  });
});

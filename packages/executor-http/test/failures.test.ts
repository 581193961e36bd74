import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { closedPort, createExecutor, runContext, startServer, waitFor } from './helpers.ts';

/** A handler that never answers (the request stays open until the test's server closes). */
const silent = () => {};

describe('timeouts', () => {
  it('fails a server that never answers after timeout_ms, retryable', async () => {
    const { url, requests } = await startServer(silent);
    const t0 = performance.now();
    const outcome = await createExecutor().execute({ kind: 'http', uri: url, timeout_ms: 300 }, runContext());
    const elapsed = performance.now() - t0;
    expect(outcome).toEqual({
      status: 'failed',
      content: null,
      error: 'timeout after 300 ms',
      http_status: null,
      retryable: true,
    });
    expect(requests).toHaveLength(1);
    expect(elapsed).toBeGreaterThanOrEqual(295);
    expect(elapsed).toBeLessThan(2000);
  });

  it('counts the body: headers then a stalled body time out, keeping the status', async () => {
    const { url } = await startServer((_r, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
    });
    const outcome = await createExecutor().execute({ kind: 'http', uri: url, timeout_ms: 200 }, runContext());
    expect(outcome).toEqual({
      status: 'failed',
      content: null,
      error: 'timeout after 200 ms',
      http_status: 200,
      retryable: true,
    });
  });

  it('uses defaultTimeoutMs when the target has no timeout_ms', async () => {
    const { url } = await startServer(silent);
    const outcome = await createExecutor({ defaultTimeoutMs: 150 }).execute({ kind: 'http', uri: url }, runContext());
    expect(outcome.error).toBe('timeout after 150 ms');
  });
});

describe('network errors', () => {
  it('fails a refused connection, retryable, naming the address', async () => {
    const port = await closedPort();
    const outcome = await createExecutor().execute(
      { kind: 'http', uri: `http://127.0.0.1:${port}/x`, method: 'POST', parameters: { a: 1 } },
      runContext(),
    );
    expect(outcome).toEqual({
      status: 'failed',
      content: null,
      error: `ECONNREFUSED 127.0.0.1:${port}`,
      http_status: null,
      retryable: true,
    });
  });

  it('fails a connection the server drops mid-request, retryable', async () => {
    const { url } = await startServer((_r, _res, req) => req.socket.destroy());
    const outcome = await createExecutor().execute({ kind: 'http', uri: url }, runContext());
    expect(outcome).toMatchObject({ status: 'failed', content: null, http_status: null, retryable: true });
    expect(outcome.error).toMatch(/^UND_ERR_SOCKET: other side closed/);
  });

  it('fails a target that no longer validates (stored by an older version) without sending it', async () => {
    const outcome = await createExecutor().execute({ kind: 'http', uri: 'ftp://files.example.com/x' }, runContext());
    expect(outcome).toEqual({
      status: 'failed',
      content: null,
      error: 'invalid http target: uri: expected an http: or https: URL, got ftp:',
      http_status: null,
      retryable: false,
    });
  });
});

describe("the run context's signal (the Scheduler stopping)", () => {
  it('aborts an attempt in progress', async () => {
    const { url } = await startServer(silent);
    const controller = new AbortController();
    const t0 = performance.now();
    const pending = createExecutor().execute(
      { kind: 'http', uri: url, timeout_ms: 10_000 },
      runContext({ signal: controller.signal }),
    );
    setTimeout(() => controller.abort(new Error('the scheduler stopped before the run finished')), 50);
    const outcome = await pending;
    expect(outcome).toMatchObject({
      status: 'failed',
      error: 'aborted: the scheduler stopped before the run finished',
      retryable: true,
    });
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('sends nothing when already aborted', async () => {
    const { url, requests } = await startServer();
    const controller = new AbortController();
    controller.abort(new Error('stopped'));
    const outcome = await createExecutor().execute(
      { kind: 'http', uri: url },
      runContext({ signal: controller.signal }),
    );
    expect(outcome).toMatchObject({ status: 'failed', error: 'aborted: stopped' });
    expect(requests).toHaveLength(0);
  });

  it('aborts many attempts sharing one signal through a single listener on it', async () => {
    const { url, requests } = await startServer(silent);
    const controller = new AbortController();
    const executor = createExecutor();
    const pending = Array.from({ length: 50 }, () =>
      executor.execute({ kind: 'http', uri: url, timeout_ms: 10_000 }, runContext({ signal: controller.signal })),
    );
    await waitFor(() => requests.length === 50, 5000, '50 requests');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort(new Error('stop'));
    const outcomes = await Promise.all(pending);
    expect(new Set(outcomes.map((o) => o.error))).toEqual(new Set(['aborted: stop']));
  });

  it('a timeout aborts only its own attempt', async () => {
    const { url } = await startServer((request, res) => {
      if (request.url === '/slow') return;
      setTimeout(() => res.end('done'), 300);
    });
    const executor = createExecutor();
    const [slow, fine] = await Promise.all([
      executor.execute({ kind: 'http', uri: `${url}/slow`, timeout_ms: 100 }, runContext()),
      executor.execute({ kind: 'http', uri: `${url}/fine`, timeout_ms: 5000 }, runContext()),
    ]);
    expect(slow.error).toBe('timeout after 100 ms');
    expect(fine).toMatchObject({ status: 'success', content: 'done' });
  });
});

describe('close()', () => {
  it('lets an attempt in progress finish, and a later attempt opens a new pool', async () => {
    const { url } = await startServer((_r, res) => setTimeout(() => res.end('late'), 100));
    const executor = createExecutor();
    const first = executor.execute({ kind: 'http', uri: url }, runContext());
    await new Promise((resolve) => setTimeout(resolve, 20));
    const pool = executor.raw;
    await Promise.all([executor.close(), executor.close()]);
    expect(pool.closed).toBe(true);
    expect(await first).toMatchObject({ status: 'success', content: 'late' });
    expect(await executor.execute({ kind: 'http', uri: url }, runContext())).toMatchObject({ status: 'success' });
    expect(executor.raw).not.toBe(pool);
  });
});

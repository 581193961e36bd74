import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../src/retry-after.ts';
import { createExecutor, runContext, startServer, waitFor } from './helpers.ts';

describe('status and content', () => {
  it.each([
    [200, 'success', undefined],
    [201, 'success', undefined],
    [299, 'success', undefined],
    [301, 'failed', false],
    [304, 'failed', false],
    [400, 'failed', false],
    [401, 'failed', false],
    [404, 'failed', false],
    [409, 'failed', false],
    [408, 'failed', true],
    [429, 'failed', true],
    [500, 'failed', true],
    [502, 'failed', true],
    [503, 'failed', true],
    [504, 'failed', true],
  ])('HTTP %i is %s (retryable: %s), with the body as content', async (status, verdict, retryable) => {
    const body = status === 304 ? '' : `{"status":${status}}`;
    const { url } = await startServer((_r, res) => {
      res.statusCode = status;
      res.end(body);
    });
    const outcome = await createExecutor().execute({ kind: 'http', uri: url }, runContext());
    expect(outcome).toEqual({
      status: verdict,
      content: body,
      error: verdict === 'success' ? null : `HTTP ${status}`,
      http_status: status,
      truncated: false,
      ...(retryable === undefined ? {} : { retryable }),
    });
  });

  it('does not follow redirects', async () => {
    const { url, requests } = await startServer((request, res) => {
      res.statusCode = request.url === '/old' ? 302 : 200;
      res.setHeader('location', '/new');
      res.end('moved');
    });
    const outcome = await createExecutor().execute({ kind: 'http', uri: `${url}/old` }, runContext());
    expect(outcome).toMatchObject({ status: 'failed', http_status: 302, content: 'moved', retryable: false });
    expect(requests.map((r) => r.url)).toEqual(['/old']);
  });

  it('gives an empty content for 204 and for HEAD', async () => {
    const { url } = await startServer((request, res) => {
      if (request.url === '/none') {
        res.statusCode = 204;
        res.end();
        return;
      }
      res.setHeader('content-length', '5');
      res.end(request.method === 'HEAD' ? undefined : 'hello');
    });
    const executor = createExecutor();
    expect(await executor.execute({ kind: 'http', uri: `${url}/none` }, runContext())).toMatchObject({
      status: 'success',
      http_status: 204,
      content: '',
    });
    expect(await executor.execute({ kind: 'http', uri: url, method: 'HEAD' }, runContext())).toMatchObject({
      status: 'success',
      http_status: 200,
      content: '',
    });
  });

  it('decodes the body as UTF-8', async () => {
    const { url } = await startServer((_r, res) => res.end('تهران — 東京 ✓'));
    const outcome = await createExecutor().execute({ kind: 'http', uri: url }, runContext());
    expect(outcome.content).toBe('تهران — 東京 ✓');
  });
});

describe('truncation at maxContentBytes', () => {
  it('keeps the first maxContentBytes of a much larger body and does not read the rest', async () => {
    const total = 64 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const server = { written: 0, finished: false, closed: false };
    const { url } = await startServer((_r, res) => {
      res.setHeader('content-length', String(total));
      res.on('finish', () => {
        server.finished = true;
      });
      res.on('close', () => {
        server.closed = true;
      });
      // Writes only as fast as the client reads (backpressure), so `written` shows what was asked for.
      const pump = () => {
        while (server.written < total && !res.destroyed) {
          server.written += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        if (server.written >= total) res.end();
      };
      pump();
    });
    const outcome = await createExecutor({ maxContentBytes: 1000 }).execute({ kind: 'http', uri: url }, runContext());
    expect(outcome).toMatchObject({ status: 'success', http_status: 200, truncated: true, error: null });
    expect(outcome.content).toBe('x'.repeat(1000));
    await waitFor(() => server.closed, 5000, 'the server to see the connection closed');
    expect(server.finished).toBe(false);
    expect(server.written).toBeLessThan(total / 4);
  });

  it('drops a character that the limit cuts in two', async () => {
    const { url } = await startServer((_r, res) => res.end('é'.repeat(100)));
    const outcome = await createExecutor({ maxContentBytes: 51 }).execute({ kind: 'http', uri: url }, runContext());
    expect(outcome.truncated).toBe(true);
    expect(outcome.content).toBe('é'.repeat(25));
  });

  it('keeps a body of exactly maxContentBytes whole, and cuts a failed response too', async () => {
    const { url } = await startServer((request, res) => {
      res.statusCode = request.url === '/error' ? 500 : 200;
      res.end('y'.repeat(request.url === '/error' ? 5000 : 100));
    });
    const executor = createExecutor({ maxContentBytes: 100 });
    expect(await executor.execute({ kind: 'http', uri: `${url}/exact` }, runContext())).toMatchObject({
      content: 'y'.repeat(100),
      truncated: false,
    });
    expect(await executor.execute({ kind: 'http', uri: `${url}/error` }, runContext())).toMatchObject({
      status: 'failed',
      http_status: 500,
      content: 'y'.repeat(100),
      truncated: true,
      retryable: true,
    });
  });
});

describe('Retry-After', () => {
  async function outcomeFor(status: number, retryAfter: string) {
    const { url } = await startServer((_r, res) => {
      res.statusCode = status;
      res.setHeader('retry-after', retryAfter);
      res.end('busy');
    });
    return createExecutor().execute({ kind: 'http', uri: url }, runContext());
  }

  it('reads delta-seconds on 503 and 429', async () => {
    expect(await outcomeFor(503, '7')).toMatchObject({ retryable: true, retry_after_ms: 7000 });
    expect(await outcomeFor(429, '0')).toMatchObject({ retryable: true, retry_after_ms: 0 });
  });

  it('reads an HTTP-date, relative to now', async () => {
    const date = new Date(Date.now() + 30_000).toUTCString();
    const outcome = await outcomeFor(429, date);
    expect(outcome.retry_after_ms).toBeGreaterThan(28_000);
    expect(outcome.retry_after_ms).toBeLessThanOrEqual(30_000);
    expect((await outcomeFor(503, 'Wed, 21 Oct 2015 07:28:00 GMT')).retry_after_ms).toBe(0);
  });

  it('is ignored on a status that is not retried, and when it is neither form', async () => {
    const notRetried = await outcomeFor(400, '5');
    expect(notRetried.retryable).toBe(false);
    expect(notRetried).not.toHaveProperty('retry_after_ms');
    expect(await outcomeFor(503, 'soon')).not.toHaveProperty('retry_after_ms');
  });

  it.each<[string | string[] | undefined, number | undefined]>([
    ['120', 120_000],
    [' 3 ', 3000],
    [['2', '9'], 2000],
    ['Thu, 01 Jan 1970 00:01:40 GMT', 100_000 - 40_000],
    ['Thursday, 01-Jan-70 00:01:40 GMT', 100_000 - 40_000],
    ['Thu, 01 Jan 1970 00:00:01 GMT', 0],
    [undefined, undefined],
    ['', undefined],
    ['-1', undefined],
    ['1.5', undefined],
    ['5 apples', undefined],
    ['2026-11-22T10:00:00Z', undefined],
    ['Thu, 99 Foo 1970 00:00:01 GMT', undefined],
  ])('parseRetryAfter(%j) at t=40 s is %j', (value, expected) => {
    expect(parseRetryAfter(value, 40_000)).toBe(expected);
  });
});

import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, isIP } from 'node:net';
import { DEFAULT_POLICIES, type RunContext, type TaskRecord } from '@br-sdk/schedule';
import { onTestFinished } from 'vitest';
import { type HostLookup, HttpExecutor, type HttpExecutorOptions } from '../src/index.ts';

/** A request as the test server saw it. */
export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** performance.now() when the request's headers arrived. */
  readonly at: number;
}

export type Handler = (request: ReceivedRequest, res: ServerResponse, req: IncomingMessage) => void;

/** 200 with a small JSON body naming the method. */
const ok: Handler = (request, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ ok: true, method: request.method }));
};

/**
 * A real HTTP server on 127.0.0.1, port 0, closed (connections included) when the test ends. The
 * handler runs once the request body has been read.
 */
export async function startServer(handler: Handler = ok) {
  const requests: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const at = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: ReceivedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at,
      };
      requests.push(request);
      handler(request, res, req);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as AddressInfo;
  return { server, requests, url: `http://127.0.0.1:${port}`, port };
}

/** A port nothing listens on: bound, then closed at once. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An executor closed when the test ends. */
export function createExecutor(options: HttpExecutorOptions = {}): HttpExecutor {
  const executor = new HttpExecutor(options);
  onTestFinished(() => executor.close());
  return executor;
}

export const SCHEDULED_AT = Date.parse('2026-11-22T10:00:00Z');

/** The context the Scheduler would pass for attempt `attempt` of the 10:00 occurrence of task-1. */
export function runContext(overrides: Partial<RunContext> = {}): RunContext {
  const task = {
    id: 'task-1',
    requester_id: 'requester-a',
    policies: DEFAULT_POLICIES,
  } as unknown as TaskRecord;
  return {
    task,
    run_id: 'run-1',
    scheduled_at: SCHEDULED_AT,
    attempt: 1,
    idempotency_key: 'task-1:2026-11-22T10:00:00Z',
    signal: new AbortController().signal,
    ...overrides,
  };
}

/** Polls `predicate` on the real clock every 5 ms until it holds; throws after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * A resolver answering from `table` instead of DNS (names absent from it: ENOTFOUND), for the
 * executor's `lookup` option. Change `table` to change later answers; `calls` lists the names asked.
 */
export function tableLookup(table: Record<string, string | readonly string[]>) {
  const calls: string[] = [];
  const lookup: HostLookup = async (hostname) => {
    calls.push(hostname);
    const answer = table[hostname];
    if (answer === undefined) {
      const error: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
      error.code = 'ENOTFOUND';
      throw error;
    }
    return (typeof answer === 'string' ? [answer] : answer).map((address) => ({ address, family: isIP(address) }));
  };
  return { lookup, calls, table };
}

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryTaskStore, Scheduler, type SchedulerOptions, type TaskStore } from '@br-sdk/schedule';
import { HttpExecutor } from '@br-sdk/schedule-executor-http';
import { onTestFinished } from 'vitest';
import { WebSocket } from 'ws';
import { type HttpServerOptions, HttpTransport, WebSocketResultChannel } from '../src/index.ts';

/** A request as the target server saw it. */
export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** Date.now() when its headers arrived. */
  readonly at: number;
}

/** A real HTTP server on 127.0.0.1 that tasks call: answers 200 `{"ok":true}` and records each request. */
export async function startTarget() {
  const requests: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const at = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, at });
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as AddressInfo;
  return { requests, url: `http://127.0.0.1:${port}` };
}

export interface StackOptions {
  readonly store?: TaskStore;
  readonly scheduler?: Omit<SchedulerOptions, 'store' | 'executors' | 'channels'>;
  readonly http?: Omit<HttpServerOptions, 'scheduler' | 'resultChannel' | 'port' | 'host'>;
  /** Start the scheduler. @default true */
  readonly startScheduler?: boolean;
}

/**
 * The real thing on loopback: a Scheduler with the HttpExecutor and the `ws` result channel, and
 * an HttpTransport on a free port. Everything is stopped when the test ends (transport first).
 */
export async function startStack(options: StackOptions = {}) {
  const store = options.store ?? new MemoryTaskStore();
  const resultChannel = new WebSocketResultChannel();
  const executor = new HttpExecutor();
  const scheduler = new Scheduler({ ...options.scheduler, store, executors: [executor], channels: [resultChannel] });
  // Without a listener a scheduler error would only be a process warning: fail loudly instead.
  scheduler.on('error', (error) => {
    throw error;
  });
  const transport = new HttpTransport({ ...options.http, scheduler, resultChannel, port: 0 });
  if (options.startScheduler ?? true) await scheduler.start();
  const { url } = await transport.start();
  onTestFinished(async () => {
    await transport.stop();
    await scheduler.stop({ timeoutMs: 0 });
    await executor.close();
  });
  return { store, scheduler, transport, resultChannel, executor, url, api: client(url) };
}

/** An answer: status, headers and the body parsed when it is JSON. */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read answers' fields freely.
  readonly body: any;
  readonly text: string;
}

/** fetch, with JSON bodies both ways. `body` as a string is sent as is. */
export function client(base: string) {
  return async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer> => {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      init.headers = { 'content-type': 'application/json', ...headers };
    }
    const response = await fetch(`${base}${path}`, init);
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    return {
      status: response.status,
      headers: response.headers,
      text,
      body: type.includes('json') && text !== '' ? JSON.parse(text) : text,
    };
  };
}

/** A fresh requester id (the contract wants a UUID). */
export const requester = () => randomUUID();

/** RFC 3339 UTC, whole seconds, `seconds` from now rounded up to the next whole second. */
export function secondsAhead(seconds: number): string {
  const at = Math.ceil(Date.now() / 1000) * 1000 + seconds * 1000;
  return new Date(at).toISOString().replace('.000Z', 'Z');
}

/** Polls `predicate` every 10 ms until it holds; throws after `timeoutMs`. */
export async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition') {
  const end = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A WebSocket client that queues the frames it receives, closed when the test ends. */
export async function connect(url: string) {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/ws`);
  // biome-ignore lint/suspicious/noExplicitAny: frames are read field by field in tests.
  const frames: any[] = [];
  const waiters: (() => void)[] = [];
  socket.on('message', (data) => {
    frames.push(JSON.parse(String(data)));
    for (const wake of waiters.splice(0)) wake();
  });
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  onTestFinished(() => socket.terminate());
  let read = 0;
  return {
    socket,
    frames,
    closed,
    send(frame: unknown) {
      socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    },
    /** The next frame received (in order), waiting up to `timeoutMs`. */
    // biome-ignore lint/suspicious/noExplicitAny: see frames.
    async next(timeoutMs = 5000): Promise<any> {
      const end = Date.now() + timeoutMs;
      while (read >= frames.length) {
        const left = end - Date.now();
        if (left <= 0) throw new Error(`no frame within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return frames[read++];
    },
  };
}

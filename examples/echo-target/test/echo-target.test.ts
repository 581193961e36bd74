import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/** Log lines the child has written so far, parsed. */
const logged: Record<string, unknown>[] = [];
let child: ChildProcess;
let base: string;

beforeAll(async () => {
  // The real program, as docker-compose.yml runs it, on a port the OS picks.
  child = spawn(process.execPath, [main], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let buffered = '';
  const listening = new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`echo target exited with ${code}`)));
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logged.push(entry);
        if (entry['msg'] === 'listening') resolve(entry['port'] as number);
      }
    });
  });
  base = `http://127.0.0.1:${await listening}`;
});

afterAll(async () => {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code] = await exited;
  expect(code).toBe(0);
});

/** Waits until the child has logged a line matching `test`. */
async function loggedLine(test: (entry: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  for (let i = 0; i < 100; i++) {
    const found = logged.find(test);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('no such log line');
}

describe('example: echo target', () => {
  it('answers 200 with what it received, and logs the request as one JSON line', async () => {
    const response = await fetch(`${base}/invoices?batch=monthly`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-br-task-id': 'task-1',
        'x-br-attempt': '2',
        'idempotency-key': 'task-1:2026-12-03T11:30:00Z',
        authorization: 'Bearer not-logged',
      },
      body: JSON.stringify({ batch: 'monthly' }),
    });
    expect(response.status).toBe(200);
    const received = {
      method: 'POST',
      url: '/invoices?batch=monthly',
      headers: { 'x-br-task-id': 'task-1', 'x-br-attempt': '2', 'idempotency-key': 'task-1:2026-12-03T11:30:00Z' },
      body: { batch: 'monthly' },
    };
    expect(await response.json()).toEqual({ ok: true, received });
    const line = await loggedLine((entry) => entry['msg'] === 'request' && entry['url'] === '/invoices?batch=monthly');
    expect(line).toMatchObject(received);
    expect(line['time']).toMatch(/Z$/);
  });

  it('echoes text bodies and body-less requests too', async () => {
    const text = await fetch(`${base}/plain`, { method: 'PUT', body: 'hello' });
    expect(await text.json()).toEqual({
      ok: true,
      received: { method: 'PUT', url: '/plain', headers: {}, body: 'hello' },
    });
    const get = await fetch(`${base}/ping`);
    expect(await get.json()).toEqual({ ok: true, received: { method: 'GET', url: '/ping', headers: {} } });
  });
});

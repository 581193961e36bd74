import { type RunResult, Scheduler, TargetForbiddenError } from '@br-sdk/schedule';
import { FakeClock } from '@br-sdk/schedule/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { type HostLookup, HttpExecutor } from '../src/index.ts';
import { createExecutor, runContext, startServer, tableLookup } from './helpers.ts';

/**
 * The guard at work: at task creation (Scheduler → admit) and at each connection (the executor's
 * pool). Only 127.0.0.1 is ever connected to: metadata addresses reach the code as DNS answers
 * from an injected resolver, and are refused before any socket opens.
 */

const LOOPBACK_ONLY = ['127.0.0.1/32'];

describe('HttpExecutor: each connection is judged as it opens', () => {
  it('connects a name to the address its lookup checked (the Host header keeps the name)', async () => {
    const server = await startServer();
    const dns = tableLookup({ 'svc.test': '127.0.0.1' });
    const executor = createExecutor({ allow: LOOPBACK_ONLY, lookup: dns.lookup });
    const outcome = await executor.execute({ kind: 'http', uri: `http://svc.test:${server.port}/hook` }, runContext());
    expect(outcome).toMatchObject({ status: 'success', http_status: 200 });
    expect(server.requests.map((r) => r.headers.host)).toEqual([`svc.test:${server.port}`]);
    expect(dns.calls).toEqual(['svc.test']);
  });

  it('refuses, not retryable, a name that resolves to a metadata address, over http and https', async () => {
    const dns = tableLookup({ 'evil.test': '169.254.169.254' });
    const executor = createExecutor({ lookup: dns.lookup });
    for (const uri of ['http://evil.test/latest/meta-data/', 'https://evil.test/']) {
      expect(await executor.execute({ kind: 'http', uri }, runContext())).toEqual({
        status: 'failed',
        content: null,
        error: 'TARGET_FORBIDDEN: evil.test resolves to 169.254.169.254, a cloud metadata address, never called',
        http_status: null,
        retryable: false,
      });
    }
  });

  it('refuses an IP host outside the allow-list before connecting', async () => {
    // 127.0.0.2 is loopback too: had the guard let it through, the attempt would have ended ECONNREFUSED.
    const server = await startServer();
    const executor = createExecutor({ allow: LOOPBACK_ONLY });
    const outcome = await executor.execute({ kind: 'http', uri: `http://127.0.0.2:${server.port}/` }, runContext());
    expect(outcome).toMatchObject({
      status: 'failed',
      error: 'TARGET_FORBIDDEN: 127.0.0.2 is not in the allow-list',
      retryable: false,
    });
    expect(server.requests).toHaveLength(0);
  });

  describe('DNS rebinding: a resolver answering 127.0.0.1, then 169.254.169.254', () => {
    function rebindingLookup() {
      const answers: string[] = [];
      const lookup: HostLookup = async () => {
        const address = answers.length === 0 ? '127.0.0.1' : '169.254.169.254';
        answers.push(address);
        return [{ address, family: 4 }];
      };
      return { lookup, answers };
    }

    it('connects to the address it checked: one lookup per connection, none for the socket to redo', async () => {
      const server = await startServer();
      const dns = rebindingLookup();
      const executor = createExecutor({ allow: LOOPBACK_ONLY, lookup: dns.lookup });
      const target = { kind: 'http', uri: `http://rebind.test:${server.port}/` };

      // Checked 127.0.0.1, connected there: had the socket looked the name up again, it would
      // have got 169.254.169.254.
      expect(await executor.execute(target, runContext())).toMatchObject({ status: 'success' });
      expect(dns.answers).toEqual(['127.0.0.1']);
      expect(server.requests).toHaveLength(1);

      // A new connection (the pool closed) looks up again, gets the metadata address, and is refused.
      await executor.close();
      expect(await executor.execute(target, runContext())).toMatchObject({
        status: 'failed',
        error: 'TARGET_FORBIDDEN: rebind.test resolves to 169.254.169.254, a cloud metadata address, never called',
        retryable: false,
      });
      expect(dns.answers).toEqual(['127.0.0.1', '169.254.169.254']);
      expect(server.requests).toHaveLength(1);
    });

    it('judges again at connection a target admitted at creation', async () => {
      const server = await startServer();
      const dns = rebindingLookup();
      const executor = createExecutor({ allow: LOOPBACK_ONLY, lookup: dns.lookup });
      const target = { kind: 'http', uri: `http://rebind.test:${server.port}/` };
      expect(await executor.admit(target)).toEqual([]);
      expect(await executor.execute(target, runContext())).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(/^TARGET_FORBIDDEN: rebind\.test resolves to 169\.254\.169\.254/),
      });
      expect(server.requests).toHaveLength(0);
    });
  });
});

const START = '2026-11-22T00:00:00Z';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The real Scheduler (memory store, fake clock) with a guarded HttpExecutor and a real server. */
async function createHarness(allow: readonly string[], table: Record<string, string>) {
  const server = await startServer();
  const dns = tableLookup(table);
  const clock = new FakeClock(START);
  const executor = new HttpExecutor({ allow, lookup: dns.lookup });
  const scheduler = new Scheduler({ executors: [executor], clock });
  const results: RunResult[] = [];
  scheduler.on('result', (result) => results.push(result));
  await scheduler.start();
  onTestFinished(async () => {
    await scheduler.stop({ timeoutMs: 0 });
    await executor.close();
  });
  const schedule = (uri: string) =>
    scheduler.schedule({
      requester_id: 'requester-a',
      schedule: { rules: [{ at: '2026-11-22T00:01:00Z' }] },
      target: { kind: 'http', uri, method: 'POST' },
      policies: { retry: { max_attempts: 3 } },
    });
  /** Moves the fake clock a second at a time, pausing for real I/O, until `predicate` holds. */
  const driveUntil = async (predicate: () => boolean) => {
    for (let step = 0; !predicate(); step++) {
      if (step > 1000) throw new Error('not reached');
      await clock.advance(1000);
      await sleep(3);
    }
  };
  return { ...server, dns, clock, scheduler, results, schedule, driveUntil };
}

async function rejection(promise: Promise<unknown>): Promise<TargetForbiddenError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TargetForbiddenError);
  return error as TargetForbiddenError;
}

describe('the Scheduler with a guarded HttpExecutor', () => {
  const table = { 'evil.test': '169.254.169.254', 'public.test': '203.0.113.2', 'svc.test': '127.0.0.1' };

  it.each([
    ['http://evil.test/', 'evil.test resolves to 169.254.169.254, a cloud metadata address, never called'],
    ['http://2852039166/latest/meta-data/', '169.254.169.254 is a cloud metadata address, never called'],
    ['http://[fd00:ec2::254]/', '[fd00:ec2::254] is a cloud metadata address, never called'],
    ['http://metadata.google.internal./', 'metadata.google.internal. is a cloud metadata host, never called'],
    ['http://10.0.0.1/', '10.0.0.1 is not in the allow-list'],
    [
      'http://public.test/',
      'public.test matches no host in the allow-list and resolves to 203.0.113.2, outside its addresses',
    ],
  ])('refuses to create a task at %s: TARGET_FORBIDDEN at target.uri, nothing stored', async (uri, message) => {
    const h = await createHarness(LOOPBACK_ONLY, table);
    const error = await rejection(h.schedule(uri));
    expect(error.code).toBe('TARGET_FORBIDDEN');
    expect(error.issues).toEqual([{ path: 'target.uri', message }]);
    expect((await h.scheduler.list()).tasks).toEqual([]);
  });

  it('refuses to change a task’s target to a forbidden one, and keeps the old target', async () => {
    const h = await createHarness(LOOPBACK_ONLY, table);
    const task = await h.schedule(`http://svc.test:${h.port}/hook`);
    const error = await rejection(h.scheduler.update(task.id, { target: { kind: 'http', uri: 'http://evil.test/' } }));
    expect(error.issues).toEqual([
      { path: 'target.uri', message: 'evil.test resolves to 169.254.169.254, a cloud metadata address, never called' },
    ]);
    expect((await h.scheduler.get(task.id)).target).toEqual(task.target);
  });

  it('fails a run whose name resolves to a metadata address by fire time, without retrying it', async () => {
    const h = await createHarness(LOOPBACK_ONLY, { ...table });
    const task = await h.schedule(`http://svc.test:${h.port}/hook`);
    expect(h.dns.calls).toEqual(['svc.test']);
    h.dns.table['svc.test'] = '169.254.169.254';

    await h.driveUntil(() => h.results.length === 1);
    await h.clock.advance(120_000);
    expect(h.results).toHaveLength(1);
    expect(h.results[0]).toMatchObject({
      task_id: task.id,
      status: 'failed',
      attempts: 1,
      http_status: null,
      error: 'TARGET_FORBIDDEN: svc.test resolves to 169.254.169.254, a cloud metadata address, never called',
    });
    expect(h.requests).toHaveLength(0);
  });
});

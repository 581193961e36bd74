import { afterEach, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, type Reply, RequestHandler, replySchema } from '../../src/contract/index.ts';
import { type Executor, Scheduler } from '../../src/index.ts';
import {
  httpSigningInput,
  type Principal,
  RateLimiter,
  type RateLimiterOptions,
  RequestAuthenticator,
  RequestSigner,
  SIGNATURE_HEADERS,
  type SignedRequest,
} from '../../src/security/index.ts';
import { FakeClock } from '../../src/testing/index.ts';
import { A, ADMIN, B, credentials, keys, START, signAs } from '../security/helpers.ts';

/** An `http` executor that records calls instead of making them. */
function recordingHttp() {
  const calls: string[] = [];
  const executor: Executor = {
    kind: 'http',
    validate: (target) =>
      typeof target['uri'] === 'string' && target['uri'].startsWith('http')
        ? []
        : [{ path: 'uri', message: 'expected an absolute http(s) URL' }],
    execute: async (target) => {
      calls.push(String(target['uri']));
      return { status: 'success', content: 'done', error: null, http_status: 200 };
    },
  };
  return { executor, calls };
}

async function setup(
  options: { authenticate?: boolean; rateLimit?: Omit<RateLimiterOptions, 'clock'>; windowMs?: number } = {},
) {
  const clock = new FakeClock(START);
  const http = recordingHttp();
  const scheduler = new Scheduler({ clock, executors: [http.executor], defaultTimezone: 'Europe/London' });
  await scheduler.start();
  const authenticator =
    options.authenticate === false
      ? undefined
      : new RequestAuthenticator({
          credentials: credentials(),
          clock,
          ...(options.windowMs === undefined ? {} : { windowMs: options.windowMs }),
        });
  const rateLimiter = options.rateLimit === undefined ? undefined : new RateLimiter({ ...options.rateLimit, clock });
  const internal: unknown[] = [];
  const handler = new RequestHandler(scheduler, {
    ...(authenticator === undefined ? {} : { authenticator }),
    ...(rateLimiter === undefined ? {} : { rateLimiter }),
    onInternalError: (error) => internal.push(error),
  });
  const now = () => clock.now();
  const signers = {
    a: RequestSigner.ed25519(A, keys.a.privatePem, now),
    b: RequestSigner.ed25519(B, keys.b.privatePem, now),
    admin: RequestSigner.ed25519(ADMIN, keys.admin.privatePem, now),
  };
  return { clock, scheduler, handler, signers, calls: http.calls, internal };
}

const principal = (requesterId: string, admin = false): Principal => ({ requesterId, admin });

const create = (extra: Record<string, unknown> = {}) => ({
  op: 'create',
  uri: 'http://127.0.0.1:9/report',
  method: 'POST',
  parameters: { team: 'ops' },
  schedule: [{ minute: '0', hour: '17', day_of_week: 'THU' }],
  ...extra,
});

/** Every reply matches the contract's schema; returns it for more checks. */
function valid(reply: Reply): Reply {
  const parsed = replySchema.safeParse(reply);
  expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
  return reply;
}

function errorOf(reply: Reply) {
  valid(reply);
  if (reply.ok) throw new Error(`expected an error reply, got ${JSON.stringify(reply)}`);
  return { code: reply.error.code, paths: reply.error.issues.map((i) => i.path), error: reply.error };
}

function taskIdsOf(reply: Reply): string[] {
  valid(reply);
  if (!reply.ok || !reply.tasks) throw new Error(`expected tasks, got ${JSON.stringify(reply)}`);
  return reply.tasks.map((t) => t.id).sort();
}

/** An object nested `depth` levels deep (the outermost counts as 1), built without recursion. */
function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let i = 1; i < depth; i++) value = { a: value };
  return value;
}

describe('RequestHandler with authentication: ownership', () => {
  let scheduler: Scheduler | undefined;
  afterEach(async () => scheduler?.stop());

  it("hides A's task from B for every operation on it, exactly as a task that does not exist", async () => {
    const h = await setup();
    scheduler = h.scheduler;
    const created = await h.handler.handle(h.signers.a.signMessage(create({ task_id: 'a-report' })));
    expect(created).toMatchObject({ ok: true, task: { id: 'a-report', requester_id: A } });
    const ops: Record<string, unknown>[] = [
      { op: 'get' },
      { op: 'cancel' },
      { op: 'pause' },
      { op: 'resume' },
      { op: 'trigger' },
      { op: 'runs', limit: 10 },
      { op: 'update', parameters: { team: 'stolen' } },
    ];
    for (const op of ops) {
      const theirs = errorOf(
        await h.handler.handle(h.signers.b.signMessage({ ...op, task_id: 'a-report', request_id: 'r' })),
      );
      const nobodys = errorOf(await h.handler.handle(h.signers.b.signMessage({ ...op, task_id: 'no-such-task' })));
      expect(theirs.code, String(op['op'])).toBe('TASK_NOT_FOUND');
      // Nothing tells the two apart, but the id itself.
      expect(theirs.error.message.replace('a-report', 'ID')).toBe(nobodys.error.message.replace('no-such-task', 'ID'));
      expect(theirs.paths).toEqual(nobodys.paths);
    }
    // Nothing happened to the task.
    const task = await h.scheduler.get('a-report');
    expect(task.status).toBe('active');
    expect(task.target).toMatchObject({ parameters: { team: 'ops' } });
    expect((await h.scheduler.runs('a-report')).runs).toEqual([]);
    // A still can.
    expect(await h.handler.handle(h.signers.a.signMessage({ op: 'get', task_id: 'a-report' }))).toMatchObject({
      ok: true,
      task: { id: 'a-report' },
    });
    expect(await h.handler.handle(h.signers.a.signMessage({ op: 'pause', task_id: 'a-report' }))).toMatchObject({
      ok: true,
      task: { status: 'paused' },
    });
  });

  it("lists only the signer's own tasks, and nothing when a requester names another", async () => {
    const h = await setup();
    scheduler = h.scheduler;
    await h.handler.handle(h.signers.a.signMessage(create({ task_id: 'a-1' })));
    await h.handler.handle(h.signers.a.signMessage(create({ task_id: 'a-2' })));
    await h.handler.handle(h.signers.b.signMessage(create({ task_id: 'b-1' })));
    expect(taskIdsOf(await h.handler.handle(h.signers.b.signMessage({ op: 'list' })))).toEqual(['b-1']);
    expect(taskIdsOf(await h.handler.handle(h.signers.a.signMessage({ op: 'list' })))).toEqual(['a-1', 'a-2']);
    // REST: the signer comes from the headers, and the query may name anyone.
    const named = await h.handler.handle({ op: 'list', requester_id: A }, { principal: principal(B) });
    expect(named).toEqual({ ok: true, op: 'list', tasks: [], next_cursor: null });
    expect(taskIdsOf(await h.handler.handle({ op: 'list', requester_id: B }, { principal: principal(B) }))).toEqual([
      'b-1',
    ]);
    expect(taskIdsOf(await h.handler.handle({ op: 'list' }, { principal: principal(B) }))).toEqual(['b-1']);
    // The same through REST for the other operations on A's task.
    for (const op of ['get', 'cancel', 'trigger', 'runs']) {
      const reply = await h.handler.handle({ op, task_id: 'a-1', requester_id: A }, { principal: principal(B) });
      expect(errorOf(reply).code, op).toBe('TASK_NOT_FOUND');
    }
  });

  it('refuses a create for another requester, at requester_id', async () => {
    const h = await setup();
    scheduler = h.scheduler;
    const reply = await h.handler.handle(
      { ...create(), requester_id: A, request_id: 'r-9' },
      { principal: principal(B) },
    );
    expect(errorOf(reply)).toMatchObject({ code: 'FORBIDDEN', paths: ['requester_id'] });
    expect(reply).toMatchObject({ op: 'create', request_id: 'r-9' });
    expect((await h.scheduler.list({})).tasks).toEqual([]);
    // For itself it may, whatever the case of its id.
    const own = await h.handler.handle({ ...create(), requester_id: B.toUpperCase() }, { principal: principal(B) });
    expect(own).toMatchObject({ ok: true });
  });

  it("lets an admin see, list and cancel anyone's tasks", async () => {
    const h = await setup();
    scheduler = h.scheduler;
    await h.handler.handle(h.signers.a.signMessage(create({ task_id: 'a-1' })));
    await h.handler.handle(h.signers.b.signMessage(create({ task_id: 'b-1' })));
    await h.handler.handle(h.signers.admin.signMessage(create({ task_id: 'admin-1' })));
    expect(await h.handler.handle(h.signers.admin.signMessage({ op: 'get', task_id: 'a-1' }))).toMatchObject({
      ok: true,
      task: { id: 'a-1', requester_id: A },
    });
    // Its own id (every signed message carries it) means no filter.
    expect(taskIdsOf(await h.handler.handle(h.signers.admin.signMessage({ op: 'list' })))).toEqual([
      'a-1',
      'admin-1',
      'b-1',
    ]);
    // Another's id is a filter.
    expect(
      taskIdsOf(await h.handler.handle({ op: 'list', requester_id: A }, { principal: principal(ADMIN, true) })),
    ).toEqual(['a-1']);
    expect(taskIdsOf(await h.handler.handle({ op: 'list' }, { principal: principal(ADMIN, true) }))).toHaveLength(3);
    expect(await h.handler.handle(h.signers.admin.signMessage({ op: 'cancel', task_id: 'a-1' }))).toMatchObject({
      ok: true,
      task: { id: 'a-1', status: 'cancelled' },
    });
    expect((await h.scheduler.get('a-1')).status).toBe('cancelled');
    // A task an admin names under another requester is not found, as for anyone.
    const wrongOwner = await h.handler.handle(
      { op: 'get', task_id: 'b-1', requester_id: A },
      { principal: principal(ADMIN, true) },
    );
    expect(errorOf(wrongOwner).code).toBe('TASK_NOT_FOUND');
    // An admin may create for another requester.
    expect(
      await h.handler.handle(
        { ...create({ task_id: 'for-a' }), requester_id: A },
        { principal: principal(ADMIN, true) },
      ),
    ).toMatchObject({ ok: true, task: { requester_id: A } });
  });
});

describe('RequestHandler with authentication: refusals', () => {
  let scheduler: Scheduler | undefined;
  afterEach(async () => scheduler?.stop());

  it('refuses unsigned messages with UNAUTHENTICATED, naming what is missing', async () => {
    const h = await setup();
    scheduler = h.scheduler;
    expect(h.handler.authenticating).toBe(true);
    const bare = errorOf(await h.handler.handle({ ...create(), request_id: 'r-1' }));
    expect(bare).toMatchObject({
      code: 'UNAUTHENTICATED',
      paths: ['requester_id', 'timestamp', 'nonce', 'requester_signature'],
    });
    // The contract's original message: an id and a signature, no timestamp or nonce.
    const legacy = { ...create(), requester_id: A, requester_signature: 'sig' };
    expect(errorOf(await h.handler.handle(legacy))).toMatchObject({
      code: 'UNAUTHENTICATED',
      paths: ['timestamp', 'nonce'],
    });
    const reply = await h.handler.handle({ op: 'list', request_id: 'r-2' });
    expect(reply).toMatchObject({ ok: false, op: 'list', request_id: 'r-2' });
    expect((await h.scheduler.list({})).tasks).toEqual([]);
  });

  it('refuses a bad signature, an expired timestamp and a replay, each with its code', async () => {
    const h = await setup();
    scheduler = h.scheduler;
    const good = h.signers.a.signMessage(create({ task_id: 't-1', request_id: 'r-1' }));
    const cases: [Record<string, unknown>, string, string][] = [
      [{ ...good, uri: 'http://127.0.0.1:9/elsewhere' }, 'SIGNATURE_INVALID', 'requester_signature'],
      [signAs(A, keys.b, create(), { timestamp: START }), 'SIGNATURE_INVALID', 'requester_signature'],
      [signAs(A, keys.a, create(), { timestamp: '2026-11-22T09:54:59.999Z' }), 'REQUEST_EXPIRED', 'timestamp'],
      [signAs(A, keys.a, create(), { timestamp: '2026-11-22T10:05:00.001Z' }), 'REQUEST_EXPIRED', 'timestamp'],
      [
        signAs('99999999-9999-4999-8999-999999999999', keys.a, create(), { timestamp: START }),
        'UNAUTHENTICATED',
        'requester_id',
      ],
    ];
    for (const [message, code, path] of cases) {
      expect(errorOf(await h.handler.handle(message)), code).toMatchObject({ code, paths: [path] });
    }
    expect(await h.handler.handle(good)).toMatchObject({ ok: true, request_id: 'r-1' });
    const replayed = await h.handler.handle(good);
    expect(errorOf(replayed)).toMatchObject({ code: 'REQUEST_REPLAYED', paths: ['nonce'] });
    expect(replayed).toMatchObject({ op: 'create', request_id: 'r-1' });
    expect((await h.scheduler.list({})).tasks).toHaveLength(1);
    expect(h.internal).toEqual([]);
  });

  it('takes a REST request signed in its headers through admitSigned, then handle', async () => {
    const h = await setup({ rateLimit: { source: { perSecond: 1, burst: 2 } } });
    scheduler = h.scheduler;
    const body = JSON.stringify({ ...create({ task_id: 'rest-1' }), requester_id: A });
    const request = { method: 'POST', target: '/v1/tasks', body };
    const headers = h.signers.a.signHttp(request);
    const signed = (sent: typeof request, fields = headers): SignedRequest => ({
      requesterId: fields[SIGNATURE_HEADERS.requester_id],
      timestamp: fields[SIGNATURE_HEADERS.timestamp],
      nonce: fields[SIGNATURE_HEADERS.nonce],
      signature: fields[SIGNATURE_HEADERS.requester_signature],
      signingInput: () =>
        httpSigningInput({
          ...sent,
          requesterId: String(fields[SIGNATURE_HEADERS.requester_id]),
          timestamp: String(fields[SIGNATURE_HEADERS.timestamp]),
          nonce: String(fields[SIGNATURE_HEADERS.nonce]),
        }),
    });
    const refused = h.handler.admitSigned(signed({ ...request, body: body.replace('ops', 'dev') }), '10.0.0.1');
    if (!('error' in refused)) throw new Error('expected a refusal');
    expect(errorOf(refused.error).code).toBe('SIGNATURE_INVALID');
    const admitted = h.handler.admitSigned(signed(request), '10.0.0.1');
    if (!('principal' in admitted)) throw new Error(JSON.stringify(admitted.error));
    expect(admitted.principal).toEqual({ requesterId: A, admin: false });
    expect(await h.handler.handle(JSON.parse(body), { principal: admitted.principal as Principal })).toMatchObject({
      ok: true,
      task: { id: 'rest-1', requester_id: A },
    });
    // The source's burst of 2 is spent: the third is limited before its signature is even looked at.
    const limited = h.handler.admitSigned(signed(request), '10.0.0.1');
    if (!('error' in limited)) throw new Error('expected a refusal');
    expect(errorOf(limited.error)).toMatchObject({ code: 'RATE_LIMITED', error: { retry_after_ms: 1000 } });
    // Without authentication, admitSigned lets everything in, with no principal.
    const open = await setup({ authenticate: false });
    expect(open.handler.admitSigned(signed(request), undefined)).toEqual({ principal: undefined });
    await open.scheduler.stop();
  });
});

describe('RequestHandler: rate limits', () => {
  let scheduler: Scheduler | undefined;
  afterEach(async () => scheduler?.stop());

  it('refuses the request after the burst with RATE_LIMITED and retry_after_ms, then lets it in after the wait', async () => {
    const h = await setup({ rateLimit: { requester: { perSecond: 2, burst: 3 } } });
    scheduler = h.scheduler;
    for (let i = 0; i < 3; i++) {
      expect(await h.handler.handle(h.signers.a.signMessage({ op: 'list' })), `request ${i}`).toMatchObject({
        ok: true,
      });
    }
    const limited = await h.handler.handle(h.signers.a.signMessage({ op: 'list', request_id: 'r-4' }));
    expect(errorOf(limited)).toMatchObject({ code: 'RATE_LIMITED', paths: [], error: { retry_after_ms: 500 } });
    expect(limited).toMatchObject({ op: 'list', request_id: 'r-4' });
    // B has its own bucket.
    expect(await h.handler.handle(h.signers.b.signMessage({ op: 'list' }))).toMatchObject({ ok: true });
    await h.clock.advance(499);
    expect(errorOf(await h.handler.handle(h.signers.a.signMessage({ op: 'list' }))).error.retry_after_ms).toBe(1);
    await h.clock.advance(1);
    expect(await h.handler.handle(h.signers.a.signMessage({ op: 'list' }))).toMatchObject({ ok: true });
  });

  it('limits a source before checking signatures: a flood of bad signatures is RATE_LIMITED after the burst', async () => {
    const h = await setup({ rateLimit: { source: { perSecond: 1, burst: 5 } } });
    scheduler = h.scheduler;
    const codes: string[] = [];
    for (let i = 0; i < 20; i++) {
      const forged = {
        ...h.signers.a.signMessage({ op: 'list' }),
        requester_signature: Buffer.alloc(64, i).toString('base64'),
      };
      const reply = await h.handler.handle(forged, { source: '203.0.113.7' });
      codes.push(errorOf(reply).code);
    }
    expect(codes).toEqual([...Array(5).fill('SIGNATURE_INVALID'), ...Array(15).fill('RATE_LIMITED')]);
    // Unsigned and too deep alike: the source is out of tokens.
    expect(errorOf(await h.handler.handle({ op: 'list' }, { source: '203.0.113.7' })).code).toBe('RATE_LIMITED');
    // Another address, and a channel without one (AMQP), are not held back.
    expect(await h.handler.handle(h.signers.a.signMessage({ op: 'list' }), { source: '203.0.113.8' })).toMatchObject({
      ok: true,
    });
    expect(await h.handler.handle(h.signers.a.signMessage({ op: 'list' }))).toMatchObject({ ok: true });
    await h.clock.advance(1000);
    expect(await h.handler.handle(h.signers.a.signMessage({ op: 'list' }), { source: '203.0.113.7' })).toMatchObject({
      ok: true,
    });
  });

  it('limits by the requester_id of the message when authentication is off', async () => {
    const h = await setup({ authenticate: false, rateLimit: { requester: { perSecond: 1, burst: 1 } } });
    scheduler = h.scheduler;
    expect(await h.handler.handle({ op: 'list', requester_id: A })).toMatchObject({ ok: true });
    expect(errorOf(await h.handler.handle({ op: 'list', requester_id: A })).code).toBe('RATE_LIMITED');
    expect(await h.handler.handle({ op: 'list', requester_id: B })).toMatchObject({ ok: true });
    // No requester named: nothing to count it against.
    expect(await h.handler.handle({ op: 'list' })).toMatchObject({ ok: true });
    expect(await h.handler.handle({ op: 'list' })).toMatchObject({ ok: true });
  });
});

describe('RequestHandler: hostile messages', () => {
  let scheduler: Scheduler | undefined;
  afterEach(async () => scheduler?.stop());

  it(`refuses JSON nested deeper than ${MAX_JSON_DEPTH} levels as MALFORMED_MESSAGE, before anything else`, async () => {
    const h = await setup();
    scheduler = h.scheduler;
    const deep = h.signers.a.signMessage(create({ parameters: nested(100) }));
    const reply = await h.handler.handle({ ...deep, request_id: 'deep' });
    expect(errorOf(reply)).toMatchObject({ code: 'MALFORMED_MESSAGE', paths: [''] });
    expect(reply).toMatchObject({ op: 'create', request_id: 'deep' });
    // Unsigned, it is still malformed first.
    expect(errorOf(await h.handler.handle({ op: 'preview', schedule: nested(100) })).code).toBe('MALFORMED_MESSAGE');
    // Arrays count as levels too.
    let array: unknown[] = [];
    for (let i = 0; i < 100; i++) array = [array];
    expect(errorOf(await h.handler.handle({ ...create(), parameters: { list: array } })).code).toBe(
      'MALFORMED_MESSAGE',
    );
  });

  it(`takes ${MAX_JSON_DEPTH} levels and refuses ${MAX_JSON_DEPTH + 1}`, async () => {
    const h = await setup();
    scheduler = h.scheduler;
    // The message is level 1, `parameters` level 2.
    const fits = h.signers.a.signMessage(create({ parameters: nested(MAX_JSON_DEPTH - 1) }));
    expect(valid(await h.handler.handle(fits))).toMatchObject({ ok: true });
    const over = h.signers.a.signMessage(create({ parameters: nested(MAX_JSON_DEPTH) }));
    expect(errorOf(await h.handler.handle(over)).code).toBe('MALFORMED_MESSAGE');
  });

  it('survives 100,000 levels without a stack overflow', async () => {
    const h = await setup();
    scheduler = h.scheduler;
    const message = { ...create(), requester_id: A, parameters: nested(100_000) };
    expect(errorOf(await h.handler.handle(message)).code).toBe('MALFORMED_MESSAGE');
    const open = await setup({ authenticate: false });
    expect(errorOf(await open.handler.handle(message)).code).toBe('MALFORMED_MESSAGE');
    await open.scheduler.stop();
    expect(h.internal).toEqual([]);
  });

  it('refuses parameters over 256 KiB as INVALID_ARGUMENT at parameters, as a string or an object', async () => {
    const h = await setup();
    scheduler = h.scheduler;
    const limit = 262_144;
    const asString = 'x'.repeat(limit);
    expect(await h.handler.handle(h.signers.a.signMessage(create({ parameters: asString })))).toMatchObject({
      ok: true,
    });
    const cases = [
      `${asString}x`,
      // Bytes, not characters: 131,073 two-byte characters.
      'é'.repeat(limit / 2 + 1),
      // As JSON text: {"k":"…"} is 8 bytes more than the string.
      { k: 'x'.repeat(limit - 7) },
    ];
    for (const parameters of cases) {
      const reply = await h.handler.handle(h.signers.a.signMessage(create({ parameters })));
      expect(errorOf(reply)).toMatchObject({ code: 'INVALID_ARGUMENT', paths: ['parameters'] });
    }
    expect(
      await h.handler.handle(
        h.signers.a.signMessage(create({ task_id: 'fits', parameters: { k: 'x'.repeat(limit - 8) } })),
      ),
    ).toMatchObject({ ok: true });
    // An update is held to the same limit.
    const update = await h.handler.handle(
      h.signers.a.signMessage({ op: 'update', task_id: 'fits', parameters: `${asString}x` }),
    );
    expect(errorOf(update)).toMatchObject({ code: 'INVALID_ARGUMENT', paths: ['parameters'] });
  });

  it('refuses more than 100 headers, and over-long signature, timestamp and nonce fields', async () => {
    const h = await setup({ authenticate: false });
    scheduler = h.scheduler;
    const headers = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`x-h-${i}`, 'v']));
    expect(await h.handler.handle({ ...create({ headers: headers(100) }), requester_id: A })).toMatchObject({
      ok: true,
    });
    const cases: [Record<string, unknown>, string][] = [
      [{ headers: headers(101) }, 'headers'],
      [{ requester_signature: 'A'.repeat(513) }, 'requester_signature'],
      [{ timestamp: `${START}${' '.repeat(64)}` }, 'timestamp'],
      [{ nonce: 'short' }, 'nonce'],
      [{ nonce: 'n'.repeat(129) }, 'nonce'],
      [{ nonce: 'has spaces, and more than 16' }, 'nonce'],
    ];
    for (const [extra, path] of cases) {
      const reply = await h.handler.handle({ ...create(extra), requester_id: A });
      expect(errorOf(reply), path).toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect(errorOf(reply).paths, path).toContain(path);
    }
    // Good signing fields are taken (and, with authentication off, not checked).
    expect(
      await h.handler.handle({
        ...create({ task_id: 'fields' }),
        requester_id: A,
        timestamp: '2000-01-01T00:00:00Z',
        nonce: 'n'.repeat(22),
        requester_signature: 'A'.repeat(512),
      }),
    ).toMatchObject({ ok: true });
  });
});

describe('RequestHandler without authentication', () => {
  let scheduler: Scheduler | undefined;
  afterEach(async () => scheduler?.stop());

  it('takes requests as they come, and requester_id is only a filter', async () => {
    const h = await setup({ authenticate: false });
    scheduler = h.scheduler;
    expect(h.handler.authenticating).toBe(false);
    expect(await h.handler.handle({ ...create({ task_id: 'a-1' }), requester_id: A })).toMatchObject({ ok: true });
    expect(await h.handler.handle({ ...create({ task_id: 'b-1' }), requester_id: B })).toMatchObject({ ok: true });
    expect(taskIdsOf(await h.handler.handle({ op: 'list' }))).toEqual(['a-1', 'b-1']);
    expect(taskIdsOf(await h.handler.handle({ op: 'list', requester_id: A }))).toEqual(['a-1']);
    expect(await h.handler.handle({ op: 'get', task_id: 'a-1' })).toMatchObject({ ok: true });
    expect(errorOf(await h.handler.handle({ op: 'get', task_id: 'a-1', requester_id: B })).code).toBe('TASK_NOT_FOUND');
    expect(await h.handler.handle({ op: 'cancel', task_id: 'a-1', requester_id: A })).toMatchObject({
      ok: true,
      task: { status: 'cancelled' },
    });
    // Signed messages pass too; their signature is not looked at.
    expect(
      await h.handler.handle({
        ...h.signers.b.signMessage({ op: 'get', task_id: 'b-1' }),
        requester_signature: 'AAAA',
      }),
    ).toMatchObject({ ok: true });
    // A principal given by the channel still limits what it reaches.
    expect(errorOf(await h.handler.handle({ op: 'get', task_id: 'a-1' }, { principal: principal(B) })).code).toBe(
      'TASK_NOT_FOUND',
    );
  });
});

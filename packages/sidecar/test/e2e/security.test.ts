import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RequestSigner, readEd25519PublicKey, verifyResultSignature } from '@br-sdk/schedule/security';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { lockBrokerShared } from '../../../transport-amqp/test/support/broker-lock.ts';
import {
  deleteSidecarTopology,
  type SidecarProcess,
  startSidecarProcess,
  startTarget,
  waitFor,
} from './sidecar-process.ts';

/**
 * Issue 6's proof, end to end against `br-schedule serve` with authentication on and the real
 * RabbitMQ: forged, unsigned, replayed, expired, wrong-key and other-owner requests are refused on
 * AMQP, REST and WebSocket, each with its code; results carry the scheduler's signature; rate limits
 * answer RATE_LIMITED (429 with Retry-After over REST).
 */

const AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';
const YEAR_AHEAD = new Date(Date.now() + 365 * 86_400_000).toISOString();

type Json = Record<string, unknown>;

interface Requester {
  readonly id: string;
  readonly signer: RequestSigner;
  /** The same requester with a clock 10 minutes slow: its requests are outside the window. */
  readonly late: RequestSigner;
}

const TEN_MINUTES = 600_000;

function ed25519Requester(): { requester: Requester; publicPem: string } {
  const id = randomUUID();
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  return {
    requester: {
      id,
      signer: RequestSigner.ed25519(id, pem),
      late: RequestSigner.ed25519(id, pem, () => Date.now() - TEN_MINUTES),
    },
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

/** Keys for A (Ed25519), B (HMAC) and an admin (Ed25519), written the way SCHEDULER_AUTH_KEYS reads them. */
async function writeKeys(dir: string) {
  const a = ed25519Requester();
  const admin = ed25519Requester();
  const bId = randomUUID();
  const secret = randomBytes(32).toString('base64');
  await writeFile(join(dir, `${a.requester.id}.pem`), a.publicPem);
  await writeFile(join(dir, `${admin.requester.id}.pem`), admin.publicPem);
  await writeFile(join(dir, `${bId}.hmac`), secret);
  await writeFile(join(dir, 'README.txt'), 'not a key: ignored');
  const b = {
    id: bId,
    signer: RequestSigner.hmac(bId, secret),
    late: RequestSigner.hmac(bId, secret, () => Date.now() - TEN_MINUTES),
  };
  return { a: a.requester, b, admin: admin.requester };
}

function createMessage(targetUrl: string, extra: Json = {}): Json {
  return {
    uri: `${targetUrl}/secure`,
    method: 'POST',
    parameters: JSON.stringify({ from: 'security test' }),
    schedule: { rules: [{ at: YEAR_AHEAD }] },
    ...extra,
  };
}

/** A request/reply helper over the real broker: publishes with reply_to and waits for the answer. */
class AmqpRequester {
  private readonly replies = new Map<string, (body: Json) => void>();
  private replyQueue = '';

  private readonly channel: amqp.Channel;
  private readonly requestQueue: string;

  constructor(channel: amqp.Channel, requestQueue: string) {
    this.channel = channel;
    this.requestQueue = requestQueue;
  }

  async open(): Promise<void> {
    const { queue } = await this.channel.assertQueue('', { exclusive: true });
    this.replyQueue = queue;
    await this.channel.consume(
      queue,
      (m) => {
        if (!m) return;
        this.replies.get(String(m.properties.correlationId))?.(JSON.parse(m.content.toString()) as Json);
      },
      { noAck: true },
    );
  }

  send(body: Json | Buffer): Promise<Json> {
    const correlationId = randomUUID();
    const reply = new Promise<Json>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no AMQP reply in 10 s')), 10_000);
      this.replies.set(correlationId, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
    });
    const content = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    this.channel.sendToQueue(this.requestQueue, content, {
      replyTo: this.replyQueue,
      correlationId,
      messageId: randomUUID(),
      persistent: true,
    });
    return reply;
  }
}

/** A WebSocket that matches replies to requests by request_id. */
async function openSocket(url: string) {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/ws`);
  const frames: Json[] = [];
  ws.on('message', (data) => frames.push(JSON.parse(String(data)) as Json));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return {
    ws,
    frames,
    async send(message: Json): Promise<Json> {
      const id = String(message['request_id']);
      ws.send(JSON.stringify(message));
      return waitFor(`the reply to ${id}`, () => frames.find((f) => f['request_id'] === id), 10_000);
    },
  };
}

const codeOf = (reply: Json) => (reply['error'] as { code?: string } | undefined)?.code;

async function rest(
  url: string,
  path: string,
  init: { method: string; body?: Json; headers?: Record<string, string> },
) {
  const body = init.body === undefined ? undefined : JSON.stringify(init.body);
  const response = await fetch(`${url}${path}`, {
    method: init.method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
    ...(body === undefined ? {} : { body }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Json };
}

/** A REST request signed by `signer` over exactly what is sent. */
function signedRest(url: string, signer: RequestSigner, method: string, path: string, body?: Json) {
  const text = body === undefined ? '' : JSON.stringify(body);
  return rest(url, path, {
    method,
    ...(body === undefined ? {} : { body }),
    headers: signer.signHttp({ method, target: path, body: text }),
  });
}

/**
 * A sidecar with authentication on (keys for A, B and an admin), its AMQP topology unique to the
 * run, and a client connection to the broker; `stop()` undoes all of it.
 */
async function startSecureSidecar(name: string, env: Record<string, string> = {}) {
  const suffix = randomUUID().slice(0, 8);
  const requestQueue = `e2e.${name}.requests.${suffix}`;
  const resultExchange = `e2e.${name}.results.${suffix}`;
  const releaseBroker = await lockBrokerShared();
  const dir = await mkdtemp(join(tmpdir(), `br-${name}-`));
  const keys = await writeKeys(dir);
  const sidecar = await startSidecarProcess({
    SCHEDULER_AUTH: 'signed',
    SCHEDULER_AUTH_KEYS: dir,
    SCHEDULER_AUTH_ADMINS: keys.admin.id,
    SCHEDULER_DATA_DIR: join(dir, 'data'),
    SCHEDULER_AMQP_URL: AMQP_URL,
    SCHEDULER_AMQP_REQUEST_QUEUE: requestQueue,
    SCHEDULER_AMQP_RESULT_EXCHANGE: resultExchange,
    ...env,
  });
  const connection = await amqp.connect(AMQP_URL);
  const channel = await connection.createChannel();
  const broker = new AmqpRequester(channel, requestQueue);
  await broker.open();
  return {
    keys,
    sidecar,
    channel,
    broker,
    requestQueue,
    resultExchange,
    async stop(): Promise<void> {
      sidecar.kill('SIGTERM');
      await sidecar.exited;
      await deleteSidecarTopology(channel, requestQueue, resultExchange);
      await connection.close().catch(() => {});
      await rm(dir, { recursive: true, force: true });
      releaseBroker();
    },
  };
}

describe('br-schedule serve with authentication on', () => {
  let secure: Awaited<ReturnType<typeof startSecureSidecar>>;
  let keys: Awaited<ReturnType<typeof writeKeys>>;
  let target: Awaited<ReturnType<typeof startTarget>>;
  let sidecar: SidecarProcess;
  let channel: amqp.Channel;
  let broker: AmqpRequester;
  let resultExchange: string;

  beforeAll(async () => {
    target = await startTarget();
    secure = await startSecureSidecar('secure');
    ({ keys, sidecar, channel, broker, resultExchange } = secure);
  }, 60_000);

  afterAll(async () => {
    await secure?.stop();
    await target?.close();
  });

  it('refuses unsigned, forged, wrong-key, replayed and expired requests on AMQP, each with its code, and dead-letters them', {
    timeout: 30_000,
  }, async () => {
    const { a, b } = keys;
    const unsigned = await broker.send({ ...createMessage(target.url), requester_id: a.id });
    expect(codeOf(unsigned)).toBe('UNAUTHENTICATED');
    expect(unsigned['error']).toMatchObject({
      issues: expect.arrayContaining([{ path: 'nonce', message: 'required: 16-128 characters of A-Z a-z 0-9 _ -' }]),
    });

    const signed = a.signer.signMessage(createMessage(target.url));
    expect(codeOf(await broker.send({ ...signed, uri: `${target.url}/elsewhere` }))).toBe('SIGNATURE_INVALID');
    const stranger = ed25519Requester().requester.signer;
    expect(codeOf(await broker.send({ ...stranger.signMessage(createMessage(target.url)), requester_id: a.id }))).toBe(
      'SIGNATURE_INVALID',
    );
    expect(await broker.send(signed)).toMatchObject({ ok: true, op: 'create' });
    expect(codeOf(await broker.send(signed))).toBe('REQUEST_REPLAYED');
    expect(codeOf(await broker.send(a.late.signMessage(createMessage(target.url))))).toBe('REQUEST_EXPIRED');
    // HMAC requesters are checked the same way.
    expect(await broker.send(b.signer.signMessage(createMessage(target.url)))).toMatchObject({ ok: true });
    expect(codeOf(await broker.send({ ...b.signer.signMessage(createMessage(target.url)), method: 'GET' }))).toBe(
      'SIGNATURE_INVALID',
    );

    const dead = await waitFor(
      'the refused requests in the dead-letter queue',
      async () => {
        const { messageCount } = await channel.checkQueue(`${secure.requestQueue}.dead`);
        return messageCount >= 6 ? messageCount : undefined;
      },
      10_000,
    );
    expect(dead).toBe(6);
  });

  it('refuses the same on REST, with 401 problems naming the header', { timeout: 30_000 }, async () => {
    const { a } = keys;
    const body = { ...createMessage(target.url), requester_id: a.id };
    const unsigned = await rest(sidecar.url, '/v1/tasks', { method: 'POST', body });
    expect(unsigned).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
    expect(unsigned.body['issues']).toContainEqual({ path: 'X-Br-Signature', message: 'required' });

    const headers = a.signer.signHttp({ method: 'POST', target: '/v1/tasks', body: JSON.stringify(body) });
    const forged = await rest(sidecar.url, '/v1/tasks', { method: 'POST', body: { ...body, method: 'GET' }, headers });
    expect(forged).toMatchObject({ status: 401, body: { code: 'SIGNATURE_INVALID' } });
    const created = await rest(sidecar.url, '/v1/tasks', { method: 'POST', body, headers });
    expect(created).toMatchObject({ status: 201, body: { requester_id: a.id } });
    const replayed = await rest(sidecar.url, '/v1/tasks', { method: 'POST', body, headers });
    expect(replayed).toMatchObject({ status: 401, body: { code: 'REQUEST_REPLAYED' } });

    const path = `/v1/tasks/${String(created.body['id'])}`;
    const expired = await rest(sidecar.url, path, {
      method: 'GET',
      headers: a.late.signHttp({ method: 'GET', target: path }),
    });
    expect(expired).toMatchObject({ status: 401, body: { code: 'REQUEST_EXPIRED' } });
    const stranger = ed25519Requester().requester.signer.signHttp({ method: 'GET', target: path });
    const wrongKey = await rest(sidecar.url, path, {
      method: 'GET',
      headers: { ...stranger, 'x-br-requester-id': a.id },
    });
    expect(wrongKey).toMatchObject({ status: 401, body: { code: 'SIGNATURE_INVALID' } });
    // The signature covers the target: the same headers on another path do not verify.
    const moved = a.signer.signHttp({ method: 'GET', target: path });
    expect(await rest(sidecar.url, `${path}/runs`, { method: 'GET', headers: moved })).toMatchObject({
      status: 401,
      body: { code: 'SIGNATURE_INVALID' },
    });
    expect(await signedRest(sidecar.url, a.signer, 'GET', path)).toMatchObject({
      status: 200,
      body: { id: created.body['id'] },
    });
  });

  it('refuses the same on the WebSocket, for requests and subscriptions', { timeout: 30_000 }, async () => {
    const { a } = keys;
    const socket = await openSocket(sidecar.url);
    const request = (extra: Json) => ({ ...createMessage(target.url), request_id: randomUUID(), ...extra });
    expect(codeOf(await socket.send(request({ requester_id: a.id })))).toBe('UNAUTHENTICATED');
    const signed = a.signer.signMessage(request({}));
    expect(codeOf(await socket.send({ ...signed, request_id: randomUUID() }))).toBe('SIGNATURE_INVALID');
    expect(await socket.send(signed)).toMatchObject({ type: 'reply', ok: true });
    socket.frames.length = 0;
    expect(codeOf(await socket.send(signed))).toBe('REQUEST_REPLAYED');
    expect(codeOf(await socket.send(a.late.signMessage(request({}))))).toBe('REQUEST_EXPIRED');

    socket.ws.send(JSON.stringify({ type: 'subscribe', requester_id: a.id }));
    const refused = await waitFor(
      'the refused subscription',
      () => socket.frames.find((f) => f['type'] === 'error'),
      10_000,
    );
    expect(refused).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    socket.ws.send(JSON.stringify(a.signer.signMessage({ type: 'subscribe' })));
    await waitFor('the subscription', () => socket.frames.find((f) => f['type'] === 'subscribed'), 10_000);
    socket.ws.close();
  });

  it('keeps each requester to its own tasks on every channel; an admin sees all', { timeout: 30_000 }, async () => {
    const { a, b, admin } = keys;
    const created = await broker.send(a.signer.signMessage(createMessage(target.url)));
    const taskId = String((created['task'] as Json)['id']);

    for (const op of ['get', 'cancel', 'pause', 'resume', 'trigger', 'runs']) {
      expect(codeOf(await broker.send(b.signer.signMessage({ op, task_id: taskId }))), op).toBe('TASK_NOT_FOUND');
    }
    expect(
      codeOf(await broker.send(b.signer.signMessage({ op: 'update', task_id: taskId, uri: `${target.url}/x` }))),
    ).toBe('TASK_NOT_FOUND');
    const bList = await broker.send(b.signer.signMessage({ op: 'list' }));
    expect((bList['tasks'] as Json[]).every((t) => t['requester_id'] === b.id)).toBe(true);
    expect(await signedRest(sidecar.url, b.signer, 'GET', `/v1/tasks?requester_id=${a.id}`)).toMatchObject({
      status: 200,
      body: { tasks: [], next_cursor: null },
    });
    expect(await signedRest(sidecar.url, b.signer, 'DELETE', `/v1/tasks/${taskId}`)).toMatchObject({
      status: 404,
      body: { code: 'TASK_NOT_FOUND' },
    });
    // B may not create a task in A's name, though its own signature is good.
    expect(
      await signedRest(sidecar.url, b.signer, 'POST', '/v1/tasks', {
        ...createMessage(target.url),
        requester_id: a.id,
      }),
    ).toMatchObject({ status: 403, body: { code: 'FORBIDDEN', issues: [{ path: 'requester_id' }] } });
    const socket = await openSocket(sidecar.url);
    expect(codeOf(await socket.send(b.signer.signMessage({ op: 'get', task_id: taskId, request_id: 'b-get' })))).toBe(
      'TASK_NOT_FOUND',
    );
    socket.ws.close();

    expect(await broker.send(admin.signer.signMessage({ op: 'get', task_id: taskId }))).toMatchObject({
      ok: true,
      task: { id: taskId, requester_id: a.id },
    });
    const all = await signedRest(sidecar.url, admin.signer, 'GET', '/v1/tasks?limit=1000');
    const owners = new Set((all.body['tasks'] as Json[]).map((t) => t['requester_id']));
    expect(owners.has(a.id) && owners.has(b.id)).toBe(true);
    expect(await signedRest(sidecar.url, admin.signer, 'DELETE', `/v1/tasks/${taskId}`)).toMatchObject({
      status: 200,
      body: { status: 'cancelled' },
    });
  });

  it('refuses targets at cloud metadata addresses when the task is created', { timeout: 30_000 }, async () => {
    const { a } = keys;
    const metadata = { ...createMessage(target.url), uri: 'http://169.254.169.254/latest/meta-data/' };
    expect(
      await signedRest(sidecar.url, a.signer, 'POST', '/v1/tasks', { ...metadata, requester_id: a.id }),
    ).toMatchObject({
      status: 403,
      body: { code: 'TARGET_FORBIDDEN', issues: [{ path: 'uri' }] },
    });
    const google = a.signer.signMessage({
      ...createMessage(target.url),
      uri: 'http://metadata.google.internal/computeMetadata/v1/',
    });
    expect(codeOf(await broker.send(google))).toBe('TARGET_FORBIDDEN');
  });

  it('signs every result with the key it publishes; a changed result no longer verifies', {
    timeout: 30_000,
  }, async () => {
    const { a } = keys;
    const published = await rest(sidecar.url, '/v1/keys/scheduler', { method: 'GET' });
    expect(published).toMatchObject({ status: 200, body: { algorithm: 'ed25519' } });
    const key = readEd25519PublicKey(String(published.body['public_key_pem']));
    expect(readEd25519PublicKey(String(published.body['public_key'])).export({ format: 'der', type: 'spki' })).toEqual(
      key.export({ format: 'der', type: 'spki' }),
    );

    const results = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(results.queue, resultExchange, a.id);
    const received: Json[] = [];
    await channel.consume(results.queue, (m) => m && received.push(JSON.parse(m.content.toString()) as Json), {
      noAck: true,
    });
    const created = await broker.send(a.signer.signMessage(createMessage(target.url)));
    const taskId = String((created['task'] as Json)['id']);
    expect(await broker.send(a.signer.signMessage({ op: 'trigger', task_id: taskId }))).toMatchObject({ ok: true });
    const result = await waitFor('the AMQP result', () => received.find((r) => r['task_id'] === taskId), 15_000);
    expect(result).toMatchObject({ status: 'success', scheduler_signature: expect.any(String) });
    expect(verifyResultSignature(key, result)).toBe(true);
    expect(verifyResultSignature(key, { ...result, status: 'failed' })).toBe(false);
    expect(verifyResultSignature(key, { ...result, content: `${String(result['content'])} ` })).toBe(false);

    // The WebSocket's results are signed by the same key.
    const socket = await openSocket(sidecar.url);
    socket.ws.send(JSON.stringify(a.signer.signMessage({ type: 'subscribe' })));
    await waitFor('the subscription', () => socket.frames.find((f) => f['type'] === 'subscribed'), 10_000);
    const wsCreated = await socket.send(
      a.signer.signMessage({ ...createMessage(target.url), request_id: 'ws-create' }),
    );
    const wsTask = String((wsCreated['task'] as Json)['id']);
    await socket.send(a.signer.signMessage({ op: 'trigger', task_id: wsTask, request_id: 'ws-trigger' }));
    const frame = await waitFor(
      'the WebSocket result',
      () => socket.frames.find((f) => f['type'] === 'result'),
      15_000,
    );
    expect(verifyResultSignature(key, frame['result'] as Json)).toBe(true);
    socket.ws.close();
  });
});

describe('rate limits', () => {
  let limited: Awaited<ReturnType<typeof startSecureSidecar>>;

  beforeAll(async () => {
    // A bucket of 3, refilled by 1 a second: of 5 requests sent one after the other, some are refused.
    limited = await startSecureSidecar('limited', {
      SCHEDULER_RATE_REQUESTER_PER_SECOND: '1',
      SCHEDULER_RATE_REQUESTER_BURST: '3',
    });
  }, 60_000);

  afterAll(async () => {
    await limited?.stop();
  });

  it('answers RATE_LIMITED on AMQP and WebSocket, and 429 with Retry-After on REST, per requester', {
    timeout: 30_000,
  }, async () => {
    const { keys, broker, sidecar } = limited;
    const { a, b, admin } = keys;
    const list = (signer: RequestSigner, extra: Json = {}) => signer.signMessage({ op: 'list', limit: 1, ...extra });
    const amqpCodes = [];
    for (let i = 0; i < 5; i++) amqpCodes.push(codeOf(await broker.send(list(a.signer))) ?? 'ok');
    expect(amqpCodes.filter((c) => c === 'ok').length).toBeLessThanOrEqual(4);
    expect(amqpCodes).toContain('RATE_LIMITED');

    const socket = await openSocket(sidecar.url);
    const wsReplies = [];
    for (let i = 0; i < 5; i++) wsReplies.push(await socket.send(list(b.signer, { request_id: `b-${i}` })));
    const refusedFrame = wsReplies.find((r) => codeOf(r) === 'RATE_LIMITED');
    expect(refusedFrame).toMatchObject({ error: { retry_after_ms: expect.any(Number) } });
    socket.ws.close();

    const statuses: { status: number; retryAfter: string | null }[] = [];
    for (let i = 0; i < 5; i++) {
      const answer = await signedRest(sidecar.url, admin.signer, 'GET', '/v1/tasks?limit=1');
      statuses.push({ status: answer.status, retryAfter: answer.headers.get('retry-after') });
    }
    const refused = statuses.find((s) => s.status === 429);
    expect(refused?.retryAfter).toMatch(/^[1-9]\d*$/);
  });
});

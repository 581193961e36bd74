import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTarget } from '../e2e/sidecar-process.ts';
import {
  type FuzzWorld,
  type HttpPlan,
  httpPlanArb,
  materializeRequest,
  newWorld,
  type RawHttpPlan,
  rawHttpArb,
  rawHttpBytes,
  type WireRequest,
} from './generators.ts';
import {
  alive,
  assertBatch,
  errorLogs,
  type FuzzSidecar,
  fuzzSeed,
  killSidecar,
  makeKeys,
  missingTasks,
  pooled,
  preview,
  problemDocumentProblem,
  removeDir,
  runFuzz,
  startFuzzSidecar,
  type TestRequester,
} from './support.ts';

/**
 * Fuzzing the REST channel of a real `br-schedule serve` with authentication on: 10,000+ requests
 * with random and mutated bodies, random paths, query strings and headers (corrupted X-Br-*
 * signature headers among them), and a few percent of valid signed creates. Every request gets a
 * response: a 2xx JSON body, or an application/problem+json body with a stable code; never a 5xx
 * nor INTERNAL. The process lives, and every task acknowledged with 201 can be read back.
 */

const MESSAGES = 10_000;
const BATCH = 250;
const CONCURRENCY = 16;
/** A request line Node's HTTP/1 parser recognises as one (method, target, version). */
const HTTP1_REQUEST_LINE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ \S+ HTTP\/1\.[01]\r?\n$/;

interface Response {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

describe('fuzzing the REST channel', () => {
  const suffix = randomUUID().slice(0, 8);
  let keys: Awaited<ReturnType<typeof makeKeys>>;
  let target: Awaited<ReturnType<typeof startTarget>>;
  let sidecar: FuzzSidecar | undefined;
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

  beforeAll(async () => {
    keys = await makeKeys();
    target = await startTarget();
    sidecar = await startFuzzSidecar({ keysDir: keys.dir });
  }, 60_000);

  afterAll(async () => {
    agent.destroy();
    await killSidecar(sidecar);
    await target?.close();
    await removeDir(sidecar?.dataDir);
    await removeDir(keys?.dir);
  });

  /** Sends the request exactly as planned (method, target, headers, body bytes). */
  function send(baseUrl: string, wire: WireRequest): Promise<Response> {
    const url = new URL(baseUrl);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method: wire.method,
          path: wire.target,
          // Node's client frames a GET's (DELETE's, …) body with neither Content-Length nor chunking:
          // the length is set here, so every request is well-framed HTTP.
          headers: wire.body === undefined ? wire.headers : { ...wire.headers, 'content-length': wire.body.length },
          timeout: 30_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('no response in 30 s')));
      req.on('error', reject);
      req.end(wire.body);
    });
  }

  /** Writes the bytes on a connection of their own and reads the response until the server closes it. */
  function sendRaw(baseUrl: string, bytes: Buffer, timeoutMs = 30_000): Promise<Response> {
    const url = new URL(baseUrl);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => socket.write(bytes));
      const chunks: Buffer[] = [];
      socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no response in ${timeoutMs / 1000} s`)));
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', reject);
      socket.on('close', () => {
        let all = Buffer.concat(chunks);
        // Interim responses (100 Continue) come before the answer.
        while (/^HTTP\/1\.1 1\d\d /.test(all.subarray(0, 13).toString('latin1')) && all.indexOf('\r\n\r\n') >= 0)
          all = all.subarray(all.indexOf('\r\n\r\n') + 4);
        const end = all.indexOf('\r\n\r\n');
        if (end < 0) return reject(new Error(`no complete response: ${preview(all, 200)}`));
        const [statusLine = '', ...lines] = all.subarray(0, end).toString('latin1').split('\r\n');
        const headers: Record<string, string> = {};
        for (const line of lines) {
          const colon = line.indexOf(':');
          headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        let body = all.subarray(end + 4);
        if (headers['transfer-encoding'] === 'chunked') {
          const parts: Buffer[] = [];
          for (let at = 0; ; ) {
            const eol = body.indexOf('\r\n', at);
            const size = Number.parseInt(body.subarray(at, eol).toString(), 16);
            if (!(size > 0)) break;
            parts.push(body.subarray(eol + 2, eol + 2 + size));
            at = eol + 2 + size + 2;
          }
          body = Buffer.concat(parts);
        }
        resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
      });
    });
  }

  /** Why a response is not a valid answer to `wire`, or undefined. */
  function responseProblem(wire: WireRequest, response: Response): string | undefined {
    const { status, headers, body } = response;
    const type = String(headers['content-type'] ?? '');
    const head = wire.method === 'HEAD';
    if (status >= 500) return `HTTP ${status}`;
    if (status >= 200 && status < 300) {
      const path = wire.target.split('?')[0];
      if (path === '/metrics' && type.startsWith('text/plain')) return undefined;
      if (!type.startsWith('application/json')) return `HTTP ${status} with content type "${type}"`;
      if (head) return undefined;
      try {
        JSON.parse(body.toString('utf8'));
      } catch {
        return `HTTP ${status} with a body that is not JSON`;
      }
      return undefined;
    }
    if (!type.startsWith('application/problem+json')) return `HTTP ${status} with content type "${type}"`;
    if (head) return undefined;
    let document: unknown;
    try {
      document = JSON.parse(body.toString('utf8'));
    } catch {
      return `HTTP ${status} with a problem body that is not JSON`;
    }
    return problemDocumentProblem(document, status);
  }

  function describeExchange(wire: WireRequest, response: Response | Error): string {
    const headers = Object.entries(wire.headers)
      .filter(([name]) => !name.startsWith('x-br-'))
      .map(([name, value]) => `${name}: ${JSON.stringify(value).slice(0, 80)}`)
      .join('; ');
    const input = `${wire.label} {${headers}} body ${wire.body === undefined ? '(none)' : preview(wire.body, 300)}`;
    if (response instanceof Error) return `${input} → ${response.message}`;
    return `${input} → HTTP ${response.status} ${preview(response.body, 300)}`;
  }

  function ownerOf(body: Record<string, unknown>): TestRequester {
    return String(body['requester_id']).toLowerCase() === keys.other.id ? keys.other : keys.main;
  }

  it('answers each of 10,000+ random and mutated requests with JSON or a problem document, never 5xx or INTERNAL, and loses no acknowledged task', {
    timeout: 300_000,
  }, async () => {
    const live = sidecar as FuzzSidecar;
    const world = newWorld(keys, target.url, `r${suffix}`);
    const acked = new Map<string, TestRequester>();
    const codes = new Map<string, number>();
    let total = 0;

    /** Sends each request, checks each response; returns the failures. */
    async function exchange(wires: readonly WireRequest[]): Promise<string[]> {
      const failures: string[] = [];
      await pooled(
        wires.map((wire, i) => ({ wire, i })),
        CONCURRENCY,
        async ({ wire }) => {
          let response: Response;
          try {
            response = await send(live.url, wire);
          } catch (error) {
            // Every request gets an answer, an oversized body too: the server reads the rest of it
            // (up to 16 MiB) before its 413, so the connection is not reset under the client.
            total += 1;
            failures.push(describeExchange(wire, error as Error));
            return;
          }
          total += 1;
          const problem = responseProblem(wire, response);
          if (problem !== undefined) failures.push(`${problem}: ${describeExchange(wire, response)}`);
          let body: Record<string, unknown> = {};
          try {
            body = JSON.parse(response.body.toString('utf8')) as Record<string, unknown>;
          } catch {
            // Checked above.
          }
          const code = response.status < 300 ? String(response.status) : `${response.status} ${String(body['code'])}`;
          codes.set(code, (codes.get(code) ?? 0) + 1);
          if (process.env['FUZZ_DEBUG'])
            process
              .getBuiltinModule('node:fs')
              .appendFileSync(
                process.env['FUZZ_DEBUG'],
                `${code}\t${describeExchange(wire, response).slice(0, 600)}\n`,
              );
          if (wire.valid) {
            if (response.status !== 201)
              failures.push(`a valid create was refused: ${describeExchange(wire, response)}`);
            else if (wire.valid.taskId !== undefined && body['id'] !== wire.valid.taskId)
              failures.push(`a valid create answered another task: ${describeExchange(wire, response)}`);
            else if (response.headers['location'] !== `/v1/tasks/${encodeURIComponent(String(body['id']))}`)
              failures.push(`a created task without its Location: ${describeExchange(wire, response)}`);
          }
          if (wire.method === 'POST' && response.status === 201 && typeof body['id'] === 'string') {
            acked.set(body['id'], ownerOf(body));
            if (wire.valid?.owner === keys.main) world.pool.push(body['id']);
          }
        },
      );
      if (world.pool.length > 40) world.pool.splice(0, world.pool.length - 40);
      return failures;
    }

    // The pool of tasks the task routes aim at.
    const poolPlans: HttpPlan[] = Array.from({ length: 8 }, () => ({
      kind: 'valid-create',
      shape: 'contract',
      asOther: false,
      withTaskId: true,
      idempotencyKey: false,
    }));
    expect(await exchange(poolPlans.map((plan) => materializeRequest(world, plan)))).toEqual([]);

    // Every route's valid request (its base body, signed) succeeds: the mutations start from valid requests.
    const sanityWorld: FuzzWorld = { ...world, tag: `${world.tag}s`, pool: [] };
    const [sanityTask] = [materializeRequest(sanityWorld, { ...(poolPlans[0] as HttpPlan) })];
    const sanityCreated = await send(live.url, sanityTask as WireRequest);
    expect(sanityCreated.status).toBe(201);
    sanityWorld.pool.push(String(JSON.parse(sanityCreated.body.toString())['id']));
    // Routes 0-9 are the API's (see ROUTES in generators.ts); cancel (DELETE, route 4) last.
    for (const route of [0, 1, 2, 3, 5, 6, 7, 8, 9, 4]) {
      const wire = materializeRequest(sanityWorld, {
        kind: 'fuzz',
        route,
        method: null,
        rawPath: null,
        id: { pool: 0 },
        query: null,
        headers: [],
        contentType: 'application/json',
        body: [0, 3, 9].includes(route) ? { kind: 'base', mutations: [] } : { kind: 'none' },
        base: { op: 'get', task: 0, variant: 0 },
        auth: { mode: 'valid', pick: 0, asOther: false },
      });
      const response = await send(live.url, wire);
      expect(response.status, describeExchange(wire, response)).toBeLessThan(300);
    }

    /** Raw requests: the server's HTTP parser must answer what it refuses with a problem document too. */
    async function exchangeRaw(plans: readonly RawHttpPlan[]): Promise<string[]> {
      const failures: string[] = [];
      await pooled(plans, CONCURRENCY, async (plan) => {
        const bytes = rawHttpBytes(plan);
        const wire: WireRequest = {
          method: plan.method,
          target: plan.target,
          headers: {},
          body: bytes,
          label: `raw ${preview(bytes.subarray(0, 200).toString('latin1'), 200)}`,
        };
        // A first line that is not an HTTP/1.x request line (`PRI /%`, say) may leave Node's parser
        // waiting for more, until its headers timeout: no answer yet is then not a failure.
        const recognised = HTTP1_REQUEST_LINE.test(bytes.subarray(0, bytes.indexOf('\n') + 1).toString('latin1'));
        let response: Response;
        try {
          response = await sendRaw(live.url, bytes, recognised ? 30_000 : 3_000);
        } catch (error) {
          if (!recognised && /^no (complete )?response/.test((error as Error).message)) {
            codes.set('unrecognised, no answer', (codes.get('unrecognised, no answer') ?? 0) + 1);
            return;
          }
          failures.push(`${wire.label} → ${(error as Error).message}`);
          return;
        }
        total += 1;
        const problem = responseProblem(wire, response);
        if (problem !== undefined)
          failures.push(`${problem}: ${wire.label} → ${response.status} ${preview(response.body, 200)}`);
        const code = response.status < 300 ? String(response.status) : `${response.status} raw`;
        codes.set(code, (codes.get(code) ?? 0) + 1);
      });
      return failures;
    }

    let fuzzed = 0;
    let validCreates = 0;
    let slowest = 0;
    const fuzzStart = Date.now();
    await runFuzz(
      'REST',
      fc.oneof({ weight: 49, arbitrary: httpPlanArb }, { weight: 1, arbitrary: rawHttpArb }),
      { seed: fuzzSeed(0x5eed_4e57), batch: BATCH, messages: MESSAGES, timeLimitMs: 150_000 },
      async (plans) => {
        const batchStart = Date.now();
        const raws = plans.filter((plan): plan is RawHttpPlan => plan.kind === 'raw');
        const wires = plans
          .filter((plan): plan is HttpPlan => plan.kind !== 'raw')
          .map((plan) => materializeRequest(world, plan));
        const failures = [...(await exchange(wires)), ...(await exchangeRaw(raws))];
        assertBatch(live, failures);
        fuzzed += plans.length;
        validCreates += wires.filter((w) => w.valid).length;
        slowest = Math.max(slowest, Date.now() - batchStart);
      },
    );
    const fuzzSeconds = (Date.now() - fuzzStart) / 1000;
    expect(fuzzed).toBeGreaterThanOrEqual(MESSAGES);
    expect(validCreates / fuzzed).toBeGreaterThan(0.04);

    // Alive, answering a fresh request, and every acknowledged task is there.
    expect(alive(live)).toBe(true);
    const fresh = materializeRequest(world, poolPlans[0] as HttpPlan);
    expect((await send(live.url, fresh)).status).toBe(201);
    const missing = [];
    for (const owner of [keys.main, keys.other]) {
      const ids = [...acked].filter(([, o]) => o === owner).map(([id]) => id);
      missing.push(...(await missingTasks(live.url, owner, ids)));
    }
    expect(missing, 'acknowledged tasks missing').toEqual([]);
    expect(acked.size).toBeGreaterThan(400);
    expect(errorLogs(live), 'error logs of the sidecar').toEqual([]);
    console.info(
      `REST fuzz: ${total} requests (${fuzzed} fuzzed in ${fuzzSeconds} s, slowest batch ${slowest} ms, ` +
        `${validCreates} valid creates), ${acked.size} acknowledged tasks read back; answers: ` +
        [...codes]
          .sort((a, b) => b[1] - a[1])
          .map(([code, n]) => `${code}: ${n}`)
          .join(', '),
    );
  });
});

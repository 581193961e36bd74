/**
 * Registration end to end: how many tasks per second a client gets acknowledged (request sent →
 * durable ack received) by `br-schedule serve`, over AMQP and over REST, next to the same Scheduler
 * and SQLite store called in-process (the reference: no channel at all).
 *
 * Scenario and target (from the issue): task registration end to end >= 5,000 tasks/s over AMQP and
 * over HTTP. Every task is a one-shot an hour ahead (nothing fires during the run), with
 * `synchronous: 'full'` SQLite (fsync per commit, group-committed), as the sidecar runs by default.
 *
 * Method. The sidecar runs as its own process (`node --conditions=source packages/sidecar/src/cli.ts
 * serve`, a fresh data dir, AMQP on the local RabbitMQ with queue names unique to the run), started
 * once and killed by PID at the end. This process is the client:
 *   - REST: `POST /v1/tasks` through an undici Pool of 256 keep-alive connections, one request on
 *     each at a time; acknowledged = the 201 response (sent once the task is committed).
 *   - AMQP: requests published to the request queue with `reply_to = amq.rabbitmq.reply-to` (direct
 *     reply-to) and a `message_id`; acknowledged = the reply (sent once the task is committed), 1,000
 *     requests in flight.
 *   - in-process reference: `Scheduler.schedule` on SqliteTaskStore in this process, 1,000 in flight.
 * Two sidecars run side by side: one with `SCHEDULER_AUTH=off`, one with signing on (the default
 * outside loopback), where every request is Ed25519-signed by this client (REST: the X-Br-* headers;
 * AMQP: the message) and verified by the sidecar, with Ed25519 and with HMAC-SHA256. Rate limits are off in both: they would measure
 * the limit, not the sidecar. Each round registers TASKS tasks per channel; rounds alternate (REST,
 * AMQP, signed REST, signed AMQP, reference, …) after a warm-up of 1,000 each; the table shows
 * medians. The sidecars and this client share the 2 cores; signing happens in the client's time.
 *
 * Direct run: node --conditions=source bench/registration.bench.ts (run.ts adds the flag).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Scheduler } from '@br-sdk/schedule';
import { RequestSigner } from '@br-sdk/schedule/security';
import { SqliteTaskStore } from '@br-sdk/schedule-sqlite';
import amqp from 'amqplib';
import { Pool } from 'undici';
import { count, printTable, ratio } from './lib/report.ts';
import { median } from './lib/stats.ts';

const TASKS = 10_000;
const WARMUP = 1_000;
const ROUNDS = 5;
/** One request per connection at a time (no pipelining), as many clients each with a keep-alive connection. */
const HTTP_IN_FLIGHT = 256;
const AMQP_IN_FLIGHT = 1_000;
const REFERENCE_IN_FLIGHT = 1_000;
const TARGET = 5_000;
const AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';
const CLI = join(import.meta.dirname, '../packages/sidecar/src/cli.ts');
const REQUESTER = randomUUID();
const HMAC_REQUESTER = randomUUID();

function request(uri: string, at: number, requesterId: string = REQUESTER) {
  return {
    uri,
    method: 'POST',
    parameters: { n: at },
    schedule: { rules: [{ at: new Date(at).toISOString() }] },
    requester_id: requesterId,
  };
}

/** Runs `send(i)` for i in [0, n) with at most `inFlight` pending; resolves with tasks per second. */
async function pump(n: number, inFlight: number, send: (i: number) => Promise<void>): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < n) await send(next++);
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, n) }, worker));
  return n / ((performance.now() - started) / 1000);
}

async function startSidecar(
  dataDir: string,
  queue: string,
  exchange: string,
  auth: Record<string, string>,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--conditions=source', CLI, 'serve'], {
    env: {
      PATH: process.env['PATH'] ?? '',
      SCHEDULER_ENV_FILE: '/dev/null',
      SCHEDULER_HTTP_PORT: '0',
      SCHEDULER_DATA_DIR: dataDir,
      SCHEDULER_AMQP_URL: AMQP_URL,
      SCHEDULER_AMQP_REQUEST_QUEUE: queue,
      SCHEDULER_AMQP_RESULT_EXCHANGE: exchange,
      SCHEDULER_LOG_LEVEL: 'info',
      SCHEDULER_RATE_REQUESTER_PER_SECOND: '0',
      SCHEDULER_RATE_SOURCE_PER_SECOND: '0',
      ...auth,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // The 'br-schedule serving' log line carries the URL (port 0 took a free port).
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the sidecar did not start in 30 s')), 30_000);
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+)"/.exec(buffered);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`the sidecar exited with ${code}`)));
  });
  return { child, url };
}

/**
 * The bench requester's credentials, written to the sidecar's key directory: an Ed25519 key pair
 * (the private half signs here) under REQUESTER, and an HMAC secret under a second requester id.
 */
function requesterKeys(dir: string): { ed25519: RequestSigner; hmac: RequestSigner } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  mkdirSync(dir);
  writeFileSync(join(dir, `${REQUESTER}.pem`), publicKey.export({ format: 'pem', type: 'spki' }));
  const secret = randomBytes(32).toString('base64');
  writeFileSync(join(dir, `${HMAC_REQUESTER}.hmac`), secret);
  return {
    ed25519: RequestSigner.ed25519(REQUESTER, privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()),
    hmac: RequestSigner.hmac(HMAC_REQUESTER, secret),
  };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'br-bench-registration-'));
  const suffix = randomUUID().slice(0, 8);
  const queue = `bench.requests.${suffix}`;
  const exchange = `bench.results.${suffix}`;
  const signedQueue = `bench.signed-requests.${suffix}`;
  const signers = requesterKeys(join(dataDir, 'keys'));
  const open = await startSidecar(join(dataDir, 'open'), queue, exchange, { SCHEDULER_AUTH: 'off' });
  const signed = await startSidecar(join(dataDir, 'signed'), signedQueue, exchange, {
    SCHEDULER_AUTH: 'signed',
    SCHEDULER_AUTH_KEYS: join(dataDir, 'keys'),
  });
  const children = [open.child, signed.child];
  const pool = new Pool(open.url, { connections: HTTP_IN_FLIGHT, pipelining: 1 });
  const signedPool = new Pool(signed.url, { connections: HTTP_IN_FLIGHT, pipelining: 1 });
  const connection = await amqp.connect(AMQP_URL);
  const channel = await connection.createChannel();
  const waiting = new Map<string, () => void>();
  await channel.consume(
    'amq.rabbitmq.reply-to',
    (message) => {
      const id = message?.properties.correlationId as string | undefined;
      if (id === undefined) return;
      const body = JSON.parse(message?.content.toString() ?? '{}') as { ok: boolean };
      if (!body.ok) throw new Error(`refused: ${message?.content.toString()}`);
      waiting.get(id)?.();
      waiting.delete(id);
    },
    { noAck: true },
  );
  const referenceDir = mkdtempSync(join(tmpdir(), 'br-bench-registration-ref-'));
  const store = await SqliteTaskStore.open({ path: join(referenceDir, 'reference.sqlite') });
  const scheduler = new Scheduler({ store });
  scheduler.register('noop', () => null);
  await scheduler.start();

  let dueAt = Date.now() + 3_600_000;
  const rest = (target: Pool, signer?: RequestSigner) => async () => {
    const body = JSON.stringify(request('http://127.0.0.1:9/bench', dueAt++, signer?.requesterId));
    const headers = signer ? signer.signHttp({ method: 'POST', target: '/v1/tasks', body }) : {};
    const response = await target.request({
      path: '/v1/tasks',
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    const text = await response.body.text();
    if (response.statusCode !== 201) throw new Error(`HTTP ${response.statusCode}: ${text}`);
  };
  const amqpSend = (to: string, signer?: RequestSigner) => (i: number) =>
    new Promise<void>((resolve) => {
      const id = `${suffix}-${dueAt}-${i}`;
      waiting.set(id, resolve);
      const message = request('http://127.0.0.1:9/bench', dueAt++, signer?.requesterId);
      channel.sendToQueue(to, Buffer.from(JSON.stringify(signer ? signer.signMessage(message) : message)), {
        replyTo: 'amq.rabbitmq.reply-to',
        correlationId: id,
        messageId: id,
        persistent: true,
        contentType: 'application/json',
      });
    });
  const sides: Record<string, (n: number) => Promise<number>> = {
    'REST (POST /v1/tasks)': (n) => pump(n, HTTP_IN_FLIGHT, rest(pool)),
    'AMQP (request queue → reply)': (n) => pump(n, AMQP_IN_FLIGHT, amqpSend(queue)),
    'REST, signed (Ed25519)': (n) => pump(n, HTTP_IN_FLIGHT, rest(signedPool, signers.ed25519)),
    'AMQP, signed (Ed25519)': (n) => pump(n, AMQP_IN_FLIGHT, amqpSend(signedQueue, signers.ed25519)),
    'REST, signed (HMAC)': (n) => pump(n, HTTP_IN_FLIGHT, rest(signedPool, signers.hmac)),
    'AMQP, signed (HMAC)': (n) => pump(n, AMQP_IN_FLIGHT, amqpSend(signedQueue, signers.hmac)),
    'in-process Scheduler.schedule (reference)': (n) =>
      pump(n, REFERENCE_IN_FLIGHT, async () => {
        await scheduler.schedule({
          requester_id: REQUESTER,
          schedule: { rules: [{ at: new Date(dueAt++).toISOString() }] },
          target: { kind: 'function', name: 'noop' },
        });
      }),
  };

  try {
    for (const side of Object.values(sides)) await side(WARMUP);
    const rates: Record<string, number[]> = Object.fromEntries(Object.keys(sides).map((name) => [name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, side] of Object.entries(sides)) {
        const rate = await side(TASKS);
        rates[name]?.push(rate);
        console.log(`round ${round + 1}: ${name}: ${count(rate)} tasks/s`);
      }
    }
    const medians = Object.fromEntries(Object.entries(rates).map(([name, r]) => [name, median(r)]));
    const reference = medians['in-process Scheduler.schedule (reference)'] ?? Number.NaN;
    const rows = [['channel', 'tasks', 'tasks/s (median)', 'min', 'max', 'vs in-process', 'target']];
    for (const [name, r] of Object.entries(rates)) {
      const rate = medians[name] ?? Number.NaN;
      const isReference = name.includes('reference');
      rows.push([
        name,
        count(TASKS),
        count(rate),
        count(Math.min(...r)),
        count(Math.max(...r)),
        ratio(rate / reference),
        isReference ? '' : `>= ${count(TARGET)}/s ${rate >= TARGET ? 'PASS' : 'FAIL'}`,
      ]);
    }
    console.log();
    printTable(rows, 1);
    console.log(JSON.stringify({ bench: 'registration', tasks: TASKS, rounds: ROUNDS, medians }));
  } finally {
    await pool.close();
    await signedPool.close();
    for (const name of [queue, signedQueue]) {
      await channel.deleteQueue(name).catch(() => {});
      await channel.deleteQueue(`${name}.dead`).catch(() => {});
      await channel.deleteExchange(`${name}.dlx`).catch(() => {});
    }
    await channel.deleteExchange(exchange).catch(() => {});
    await connection.close().catch(() => {});
    await scheduler.stop();
    await store.close();
    for (const child of children) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(referenceDir, { recursive: true, force: true });
  }
}

await main();

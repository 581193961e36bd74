import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The AMQP package's tests stop the broker (stop_app) under an exclusive lock; this file holds it shared.
import { lockBrokerShared } from '../../../transport-amqp/test/support/broker-lock.ts';
import { DEAD_LETTER_CODES } from '../../src/sidecar.ts';
import { deleteSidecarTopology, startTarget, waitFor } from '../e2e/sidecar-process.ts';
import {
  BASE_OPS,
  type BaseOp,
  type FuzzWorld,
  type MessagePlan,
  materializeMessage,
  messagePlanArb,
  newWorld,
  signAndSerialize,
  type WireMessage,
} from './generators.ts';
import {
  alive,
  assertBatch,
  errorLogs,
  type FuzzSidecar,
  fuzzSeed,
  Inbox,
  killSidecar,
  makeKeys,
  missingTasks,
  preview,
  removeDir,
  replyProblem,
  runFuzz,
  startFuzzSidecar,
  type TestRequester,
  until,
} from './support.ts';

/**
 * Fuzzing the AMQP channel of a real `br-schedule serve` with authentication on: 10,000+ random,
 * malformed and mutated request messages (and a few percent of valid signed creates), each
 * published with reply_to and correlation_id. Every one gets exactly one reply (a success, or an
 * error with a wire code and issues; never INTERNAL); refused ones are dead-lettered once; the
 * queue drains; the process lives and still answers; and every task acknowledged with ok:true is
 * there after a SIGKILL and a restart.
 */

const AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';
const MESSAGES = 10_000;
const BATCH = 250;

interface Sent {
  readonly message: WireMessage;
  readonly correlationId: string;
}

type Reply = Record<string, unknown> & { ok?: unknown; error?: { code?: unknown }; task?: { id?: unknown } };

/** How many answers of each code (ok for successes), most frequent first. */
function codeCounts(inbox: Inbox<Reply>): string {
  const counts = new Map<string, number>();
  for (const [reply] of inbox.byKey.values()) {
    const code = reply?.ok === true ? 'ok' : String(reply?.error?.code);
    counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
}

/** Tasks of main made by the batch join the pool, so the task operations keep finding active tasks. */
function refreshPool(world: FuzzWorld, sent: readonly Sent[], inbox: Inbox<Reply>): void {
  for (const { message, correlationId } of sent) {
    const reply = inbox.byKey.get(correlationId)?.[0];
    if (message.valid?.owner === world.main && reply?.ok === true && typeof reply.task?.id === 'string')
      world.pool.push(reply.task.id);
  }
  if (world.pool.length > 40) world.pool.splice(0, world.pool.length - 40);
}

describe('fuzzing the AMQP channel', () => {
  const suffix = randomUUID().slice(0, 8);
  const requestQueue = `fuzz.requests.${suffix}`;
  const resultExchange = `fuzz.results.${suffix}`;
  let keys: Awaited<ReturnType<typeof makeKeys>>;
  let target: Awaited<ReturnType<typeof startTarget>>;
  let dataDir: string;
  const sidecars: FuzzSidecar[] = [];
  let connection: amqp.ChannelModel;
  let channel: amqp.ConfirmChannel;
  let replyQueue: string;
  const inbox = new Inbox<Reply>();
  const badReplies: string[] = [];
  let releaseBroker: (() => void) | undefined;

  beforeAll(async () => {
    releaseBroker = await lockBrokerShared();
    keys = await makeKeys();
    target = await startTarget();
    dataDir = await mkdtemp(join(tmpdir(), 'br-fuzz-amqp-'));
    connection = await amqp.connect(AMQP_URL);
    connection.on('error', () => {});
    channel = await connection.createConfirmChannel();
    channel.on('error', () => {});
    replyQueue = (await channel.assertQueue('', { exclusive: true })).queue;
    await channel.consume(
      replyQueue,
      (m) => {
        if (!m) return;
        const correlationId = m.properties.correlationId;
        let body: Reply;
        try {
          body = JSON.parse(m.content.toString('utf8')) as Reply;
        } catch {
          badReplies.push(`reply to ${String(correlationId)} is not JSON: ${preview(m.content)}`);
          return;
        }
        if (typeof correlationId !== 'string') badReplies.push(`reply without correlation id: ${preview(m.content)}`);
        else inbox.add(correlationId, body);
      },
      { noAck: true },
    );
  }, 660_000);

  afterAll(async () => {
    for (const sidecar of sidecars) await killSidecar(sidecar);
    if (channel) await deleteSidecarTopology(channel, requestQueue, resultExchange);
    await connection?.close().catch(() => {});
    await target?.close();
    await removeDir(dataDir);
    await removeDir(keys?.dir);
    releaseBroker?.();
  });

  async function start(): Promise<FuzzSidecar> {
    const sidecar = await startFuzzSidecar({
      keysDir: keys.dir,
      dataDir,
      env: {
        SCHEDULER_AMQP_URL: AMQP_URL,
        SCHEDULER_AMQP_REQUEST_QUEUE: requestQueue,
        SCHEDULER_AMQP_RESULT_EXCHANGE: resultExchange,
      },
    });
    sidecars.push(sidecar);
    return sidecar;
  }

  let sequence = 0;
  /** Publishes each message with reply_to and a fresh correlation id (and sometimes odd properties); confirmed. */
  async function publish(
    messages: readonly WireMessage[],
    properties: (i: number) => amqp.Options.Publish = () => ({}),
  ) {
    const sent: Sent[] = messages.map((message) => ({ message, correlationId: `c-${suffix}-${++sequence}` }));
    sent.forEach(({ message, correlationId }, i) => {
      channel.sendToQueue(requestQueue, message.bytes, {
        persistent: true,
        ...properties(i),
        replyTo: replyQueue,
        correlationId,
      });
    });
    await channel.waitForConfirms();
    return sent;
  }

  /** Fuzzed AMQP properties: message ids (unique, repeated, absent), content types and headers. */
  function fuzzedProperties(seed: number): amqp.Options.Publish {
    const k = seed % 10;
    return {
      ...(k < 6 ? { messageId: randomUUID() } : k < 8 ? { messageId: `repeated-${suffix}` } : {}),
      ...(k % 3 === 0 ? { contentType: 'text/plain' } : k % 3 === 1 ? { contentType: 'application/json' } : {}),
      ...(k === 5 ? { headers: { 'x-fuzz': 'é', ['__proto__']: { a: 1 }, nested: { deep: [1, 2] } } } : {}),
      ...(k === 7 ? { type: 'weird', appId: '', priority: 9 } : {}),
    };
  }

  /** Checks each reply; returns the acknowledged tasks (ok:true creates). */
  function check(sent: readonly Sent[], acked: Map<string, TestRequester>): string[] {
    const failures: string[] = [];
    for (const { message, correlationId } of sent) {
      const replies = inbox.byKey.get(correlationId) ?? [];
      const input = `${message.label}: ${preview(message.bytes)}`;
      if (replies.length !== 1) {
        failures.push(`${replies.length} replies to ${input}`);
        continue;
      }
      const reply = replies[0] as Reply;
      const problem = replyProblem(reply);
      if (problem !== undefined) failures.push(`${problem}: ${JSON.stringify(reply).slice(0, 400)} to ${input}`);
      if (message.valid && reply.ok !== true) {
        failures.push(`a valid create was refused: ${JSON.stringify(reply).slice(0, 400)} to ${input}`);
      }
      if (message.valid?.taskId !== undefined && reply.ok === true && reply.task?.id !== message.valid.taskId) {
        failures.push(`a valid create answered another task ${String(reply.task?.id)} to ${input}`);
      }
      recordAck(reply, acked);
    }
    return failures;
  }

  function recordAck(reply: Reply, acked: Map<string, TestRequester>): void {
    const task = reply.task as { id?: unknown; requester_id?: unknown } | undefined;
    if (reply.ok !== true || reply['op'] !== 'create' || typeof task?.id !== 'string') return;
    const owner = String(task.requester_id).toLowerCase() === keys.other.id ? keys.other : keys.main;
    acked.set(task.id, owner);
  }

  it('answers each of 10,000+ random and mutated messages once, dead-letters the refused, keeps consuming, and loses no acknowledged task across SIGKILL', {
    timeout: 300_000,
  }, async () => {
    let sidecar = await start();
    const world = newWorld(keys, target.url, `a${suffix}`);
    const acked = new Map<string, TestRequester>();
    let total = 0;

    // The pool of tasks the mutated get/cancel/update/... aim at, made by valid creates.
    const poolCreates = Array.from({ length: 8 }, () =>
      materializeMessage(world, {
        kind: 'valid-create',
        shape: 'contract',
        asOther: false,
        withOp: true,
        withTaskId: true,
      }),
    );
    const poolSent = await publish(poolCreates);
    await inbox.waitFor(
      poolSent.map((s) => s.correlationId),
      20_000,
    );
    expect(check(poolSent, acked)).toEqual([]);
    total += poolSent.length;
    world.pool.push(...poolCreates.map((m) => m.valid?.taskId ?? ''));

    // Every base of the mutations is valid as it is (else the mutations test little). The task
    // operations aim at a task of their own, so cancelling it leaves the pool alone.
    const sanityWorld: FuzzWorld = { ...world, tag: `${world.tag}s`, pool: [] };
    const [sanityCreate] = await publish([
      materializeMessage(sanityWorld, {
        kind: 'valid-create',
        shape: 'spec',
        asOther: false,
        withOp: false,
        withTaskId: true,
      }),
    ]);
    await inbox.waitFor([sanityCreate?.correlationId ?? ''], 20_000);
    sanityWorld.pool.push(sanityCreate?.message.valid?.taskId ?? '');
    const sanityOps: BaseOp[] = [
      ...BASE_OPS.filter((op) => op !== 'cancel'),
      ...BASE_OPS.filter((op) => op !== 'cancel'),
      'cancel',
    ];
    for (const [i, op] of sanityOps.entries()) {
      const plan: MessagePlan = {
        kind: 'mutated',
        base: { op, task: 0, variant: i < BASE_OPS.length ? 0 : 1 },
        mutations: [],
        auth: { mode: 'sign-after', pick: 0, asOther: false },
      };
      const [sent] = await publish([materializeMessage(sanityWorld, plan)]);
      if (!sent) continue;
      await inbox.waitFor([sent.correlationId], 20_000);
      const reply = inbox.byKey.get(sent.correlationId)?.[0];
      expect(reply, `base ${op}: ${preview(sent.message.bytes)}`).toMatchObject({ ok: true });
      recordAck(reply as Reply, acked);
      total += 1;
    }

    // The fuzz: batches of plans, published at once, each reply checked.
    let validCreates = 0;
    let fuzzed = 0;
    const fuzzStart = Date.now();
    const debugLines: string[] = [];
    let slowest = 0;
    await runFuzz(
      'AMQP',
      messagePlanArb,
      { seed: fuzzSeed(0x5eed_a39), batch: BATCH, messages: MESSAGES, timeLimitMs: 150_000 },
      async (plans) => {
        const batchStart = Date.now();
        const messages = plans.map((plan) => materializeMessage(world, plan));
        // Valid creates get a unique message id (or none): a repeated one would name an existing task.
        const sent = await publish(messages, (i) =>
          messages[i]?.valid ? { messageId: randomUUID() } : fuzzedProperties(sequence + i),
        );
        await inbox.waitFor(
          sent.map((s) => s.correlationId),
          60_000,
        );
        const failures = check(sent, acked);
        if (badReplies.length > 0) failures.push(...badReplies);
        assertBatch(sidecar, failures);
        fuzzed += sent.length;
        slowest = Math.max(slowest, Date.now() - batchStart);
        if (process.env['FUZZ_DEBUG']) debugLines.push(`BATCH ${Date.now() - batchStart}`);
        refreshPool(world, sent, inbox);
        if (process.env['FUZZ_DEBUG']) {
          for (const { message, correlationId } of sent) {
            const reply = inbox.byKey.get(correlationId)?.[0];
            debugLines.push(
              `${reply?.ok === true ? 'ok' : String(reply?.error?.code)}\t${message.label}\t${JSON.stringify((reply?.error as { issues?: unknown } | undefined)?.issues ?? '').slice(0, 200)}`,
            );
          }
        }
        validCreates += messages.filter((m) => m.valid).length;
      },
    );
    if (process.env['FUZZ_DEBUG']) writeFileSync(process.env['FUZZ_DEBUG'], debugLines.join('\n'));
    total += fuzzed;
    const fuzzSeconds = (Date.now() - fuzzStart) / 1000;
    expect(fuzzed).toBeGreaterThanOrEqual(MESSAGES);
    expect(validCreates / fuzzed).toBeGreaterThan(0.04);

    // Refused requests went to the dead-letter queue, once each; the request queue drained.
    const answered = [...inbox.byKey.entries()];
    const refused = new Set(
      answered
        .filter(
          ([, [reply]]) =>
            reply?.ok === false && (DEAD_LETTER_CODES as ReadonlySet<string>).has(String(reply.error?.code)),
        )
        .map(([id]) => id),
    );
    await waitFor(
      'the request queue to drain and the dead letters to arrive',
      async () => {
        const [requests, dead] = await Promise.all([
          channel.checkQueue(requestQueue),
          channel.checkQueue(`${requestQueue}.dead`),
        ]);
        return requests.messageCount === 0 && dead.messageCount >= refused.size ? true : undefined;
      },
      30_000,
    );
    const deadIds: string[] = [];
    const deaths: unknown[] = [];
    const deadCount = (await channel.checkQueue(`${requestQueue}.dead`)).messageCount;
    const { consumerTag } = await channel.consume(
      `${requestQueue}.dead`,
      (message) => {
        if (!message) return;
        deadIds.push(String(message.properties.correlationId));
        const xDeath = (
          message.properties.headers?.['x-death'] as { count?: number; reason?: string }[] | undefined
        )?.[0];
        if (xDeath?.count !== 1 || xDeath.reason !== 'rejected') deaths.push(xDeath);
      },
      { noAck: true },
    );
    await until('the dead letters to be read', () => deadIds.length >= deadCount, 30_000, 20);
    await channel.cancel(consumerTag);
    expect(deaths, 'every dead letter died once, rejected').toEqual([]);
    expect(deadIds.length, 'dead letters, one per refused request').toBe(refused.size);
    expect(new Set(deadIds).size).toBe(deadIds.length);
    expect(deadIds.filter((id) => !refused.has(id))).toEqual([]);

    // Nothing is redelivered in a loop: a second later, no new replies.
    const repliesBefore = [...inbox.byKey.values()].reduce((n, list) => n + list.length, 0);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect([...inbox.byKey.values()].reduce((n, list) => n + list.length, 0)).toBe(repliesBefore);
    expect((await channel.checkQueue(requestQueue)).messageCount).toBe(0);

    // The process is alive and the consumer still answers a fresh request.
    expect(alive(sidecar)).toBe(true);
    const fresh = await publish([
      {
        bytes: signAndSerialize(world, { op: 'list', limit: 1 }, [], { mode: 'sign-after', pick: 0, asOther: false }),
        label: 'fresh list',
      },
    ]);
    await inbox.waitFor([fresh[0]?.correlationId ?? ''], 10_000);
    expect(inbox.byKey.get(fresh[0]?.correlationId ?? '')?.[0]).toMatchObject({ ok: true, op: 'list' });
    total += 1;
    expect(errorLogs(sidecar), 'error logs of the sidecar').toEqual([]);

    // Acknowledged means stored: valid creates in flight, SIGKILL, restart on the same data dir.
    const burst = Array.from({ length: 2000 }, () =>
      materializeMessage(world, {
        kind: 'valid-create',
        shape: 'contract',
        asOther: false,
        withOp: false,
        withTaskId: true,
      }),
    );
    const burstSent = await publish(burst, (i) => ({ messageId: `burst-${suffix}-${i}` }));
    total += burstSent.length;
    // Killed once a few hundred are answered: the rest are in flight or still queued.
    await until(
      '300 replies to the burst',
      () => burstSent.filter((s) => inbox.byKey.has(s.correlationId)).length >= 300,
      30_000,
    );
    await killSidecar(sidecar, 'SIGKILL');
    const answeredBeforeKill = burstSent.filter((s) => inbox.byKey.has(s.correlationId)).length;
    sidecar = await start();
    // Those not answered before the kill are redelivered and answered now (some twice: at least once).
    await inbox.waitFor(
      burstSent.map((s) => s.correlationId),
      60_000,
    );
    const burstFailures: string[] = [];
    for (const { message, correlationId } of burstSent) {
      for (const reply of inbox.byKey.get(correlationId) ?? []) {
        if (reply.ok !== true || reply.task?.id !== message.valid?.taskId)
          burstFailures.push(`${JSON.stringify(reply).slice(0, 300)} to ${message.label}`);
        recordAck(reply, acked);
      }
    }
    expect(burstFailures).toEqual([]);
    const missing = [];
    for (const owner of [keys.main, keys.other]) {
      const ids = [...acked].filter(([, o]) => o === owner).map(([id]) => id);
      missing.push(...(await missingTasks(sidecar.url, owner, ids)));
    }
    expect(missing, 'acknowledged tasks missing after SIGKILL and restart').toEqual([]);
    expect(acked.size).toBeGreaterThan(600);
    expect(alive(sidecar)).toBe(true);
    expect(errorLogs(sidecar)).toEqual([]);
    console.info(
      `AMQP fuzz: ${total} messages (${fuzzed} fuzzed in ${fuzzSeconds} s, slowest batch ${slowest} ms, ${validCreates} valid creates), ` +
        `${refused.size} dead-lettered, ${acked.size} acknowledged tasks checked after SIGKILL ` +
        `(${answeredBeforeKill} of ${burst.length} of the burst answered before it); answers: ${codeCounts(inbox)}`,
    );
  });
});

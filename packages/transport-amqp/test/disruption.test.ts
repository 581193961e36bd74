import { setTimeout as sleep } from 'node:timers/promises';
import type { ResultChannel, RunResult } from '@br-sdk/schedule';
import { describe, expect, it } from 'vitest';
import type { AmqpRequest, AmqpTransport } from '../src/index.ts';
import { type TestBroker, waitFor, waitForBroker } from './support/broker.ts';
import { closeConnections, queueCounts, startApp, stopApp } from './support/rabbitmqctl.ts';
import { deferred, echo, runResult, testTransport } from './support/transport.ts';
import { requester, started, testBroker, useBrokerLock } from './support/use-broker.ts';

// This file stops the broker: it holds it exclusively, so no other test file is using it meanwhile.
// Its tests run one after another (Vitest's default within a file).
useBrokerLock('exclusive');

const N = 200;
const DISRUPTION_TIMEOUT_MS = 120_000;

/** Delivers like the outbox relay: retries with a short pause until the channel confirms. */
async function deliverUntilConfirmed(channel: ResultChannel, result: RunResult, limitMs = 90_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    try {
      await channel.deliver(result);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(50);
    }
  }
}

/** Takes messages from `queue` until `count` distinct values of `key` have come; returns them. */
async function distinct(
  broker: TestBroker,
  queue: string,
  count: number,
  key: (m: { properties: { messageId?: string; correlationId?: string } }) => string | undefined,
): Promise<Set<string>> {
  const seen = new Set<string>();
  const deadline = Date.now() + 60_000;
  while (seen.size < count) {
    const channel = await broker.channel();
    const message = await channel.get(queue, { noAck: true });
    if (message) seen.add(key(message) ?? '');
    else if (Date.now() > deadline) throw new Error(`${queue}: ${seen.size} of ${count} distinct messages`);
    else await sleep(20);
  }
  return seen;
}

/** Counts a transport's disconnections and reconnections. */
function watchEvents(transport: AmqpTransport): { disconnected: number; connected: number } {
  const counts = { disconnected: 0, connected: 0 };
  transport.on('disconnected', () => counts.disconnected++);
  transport.on('connected', () => counts.connected++);
  return counts;
}

describe('AmqpTransport: the broker goes away', () => {
  it('redelivers a request whose consumer connection was closed mid-handling (redelivered: true)', {
    timeout: DISRUPTION_TIMEOUT_MS,
  }, async () => {
    const broker = testBroker();
    const names = broker.names();
    const gate = deferred();
    const calls: AmqpRequest[] = [];
    const transport = await started(
      testTransport(names, {
        handle: async (request) => {
          calls.push(request);
          if (calls.length === 1) await gate.promise;
          return echo(request);
        },
      }),
    );
    const events = watchEvents(transport);
    const client = await requester(broker, names.requestQueue);
    const id = await client.send({ n: 1 });
    await waitFor(() => calls.length === 1, 'the first handling');

    expect(await closeConnections(`${names.connectionName} consumer`)).toBe(1);
    const { body } = await client.reply(id, 30_000);
    expect(body).toEqual({ ok: true, echo: { n: 1 } });
    expect(calls).toHaveLength(2);
    expect(calls[1]).toMatchObject({ messageId: `msg-${id}`, correlationId: id, redelivered: true });
    expect(events).toEqual({ disconnected: 1, connected: 1 });

    // The first handling finishes late, on a dead channel: no second reply, no ack attempt.
    gate.resolve();
    await waitFor(async () => (await queueCounts(names.requestQueue)).unacked === 0, 'the ack');
    expect(await broker.messageCount(names.requestQueue)).toBe(0);
    expect(client.replies.size).toBe(1);
  });

  it(`loses no request and no result while its connections are closed twice during a stream of ${N} each`, {
    timeout: DISRUPTION_TIMEOUT_MS,
  }, async () => {
    const broker = testBroker();
    const names = broker.names();
    const handled = new Set<string>();
    const transport = await started(
      testTransport(names, {
        prefetch: 16,
        handle: async (request) => {
          await sleep(5);
          handled.add(String(request.messageId));
          return echo(request);
        },
      }),
    );
    const events = watchEvents(transport);
    const client = await requester(broker, names.requestQueue);
    const resultQueue = await broker.bindQueue(names.resultExchange, 'stream');

    const deliveries: Promise<void>[] = [];
    const ids: string[] = [];
    for (let i = 0; i < N; i++) {
      deliveries.push(deliverUntilConfirmed(transport.resultChannel, runResult(`run-${i}`, 'stream')));
      ids.push(await client.send({ i }));
      if (i === Math.floor(N / 3)) expect(await closeConnections(`${names.connectionName} consumer`)).toBe(1);
      if (i === Math.floor((2 * N) / 3)) expect(await closeConnections(names.connectionName)).toBe(2);
      await sleep(2);
    }

    for (const id of ids) expect((await client.reply(id, 60_000)).body).toMatchObject({ ok: true });
    await Promise.all(deliveries);
    expect(handled.size).toBe(N);
    const results = await distinct(broker, resultQueue, N, (m) => m.properties.messageId);
    expect([...results].sort()).toEqual(Array.from({ length: N }, (_, i) => `run-${i}`).sort());
    expect(events.disconnected).toBeGreaterThanOrEqual(2);
    expect(transport.connected).toBe(true);

    await transport.stop();
    expect(await queueCounts(names.requestQueue)).toEqual({ ready: 0, unacked: 0 });
    expect(await broker.messageCount(names.deadLetterQueue)).toBe(0);
  });

  it('settles a request whose reply_to makes the broker close the publishing connection, without looping', {
    timeout: DISRUPTION_TIMEOUT_MS,
  }, async () => {
    const broker = testBroker();
    const names = broker.names();
    // A direct reply-to name with a well-formed but unknown encoded pid: RabbitMQ 3.10 answers a
    // publish to it by closing the whole connection (541 INTERNAL_ERROR).
    const poison = 'amq.rabbitmq.reply-to.g2dkAA9yYWJiaXRAbG9jYWxob3N0AAAGxQAAAAAAAAAA.xxxx';
    let poisonCalls = 0;
    const transport = await started(
      testTransport(names, {
        handle: async (request) => {
          if (request.replyTo === poison) poisonCalls++;
          return echo(request);
        },
      }),
    );
    const client = await requester(broker, names.requestQueue);
    await client.send({ poison: true }, { replyTo: poison });
    await waitFor(async () => (await queueCounts(names.requestQueue)).unacked === 0 && poisonCalls > 0, 'settling');
    await waitFor(() => transport.connected, 'the publisher to reconnect');

    const next = await client.send({ after: 'poison' });
    expect((await client.reply(next, 30_000)).body).toEqual({ ok: true, echo: { after: 'poison' } });
    // Handled once, or twice when the failed reply got it requeued once; never more.
    expect(poisonCalls).toBeGreaterThanOrEqual(1);
    expect(poisonCalls).toBeLessThanOrEqual(2);
    expect(await queueCounts(names.requestQueue)).toEqual({ ready: 0, unacked: 0 });
  });

  it(`loses no request and no result when the broker stops and starts again during a stream of ${N} each`, {
    timeout: DISRUPTION_TIMEOUT_MS,
  }, async () => {
    const broker = testBroker();
    const names = broker.names();
    const handled = new Set<string>();
    const transport = await started(
      testTransport(names, {
        // About 40 requests a second, so the broker stops while most of the stream is still to come.
        prefetch: 2,
        publishWaitMs: 500,
        handle: async (request) => {
          await sleep(50);
          handled.add(String(request.messageId));
          return echo(request);
        },
      }),
    );
    const events = watchEvents(transport);
    // A second transport whose results wait for the broker rather than fail at once.
    const waiterNames = broker.names();
    const waiter = await started(testTransport(waiterNames, { publishWaitMs: 60_000 }));
    const waiterQueue = await broker.bindQueue(waiterNames.resultExchange, 'late');
    // Durable queues and persistent messages survive the restart, so every reply and result can be
    // counted afterwards.
    const replyQueue = broker.track(`test.replies.${names.suffix}`);
    await (await broker.channel()).assertQueue(replyQueue, { durable: true });
    const resultQueue = await broker.bindQueue(names.resultExchange, 'stream');
    const correlationIds = Array.from({ length: N }, (_, i) => `request-${i}`);
    for (const [i, correlationId] of correlationIds.entries()) {
      await broker.sendRaw(names.requestQueue, Buffer.from(JSON.stringify({ i })), {
        replyTo: replyQueue,
        correlationId,
        messageId: `msg-${i}`,
      });
    }

    const deliveries: Promise<void>[] = [];
    const relay = (async () => {
      for (let i = 0; i < N; i++) {
        deliveries.push(deliverUntilConfirmed(transport.resultChannel, runResult(`run-${i}`, 'stream')));
        await sleep(25);
      }
    })();

    let appStopped = false;
    try {
      await waitFor(() => handled.size >= N / 10, 'the stream to get going', 30_000);
      appStopped = true;
      await stopApp();
      await waitFor(() => !transport.connected && !waiter.connected, 'the transports to notice');
      expect(handled.size).toBeLessThan(N);
      // While the broker is away a result fails after publishWaitMs (the relay retries it)...
      await expect(transport.resultChannel.deliver(runResult('probe', 'nobody'))).rejects.toMatchObject({
        code: 'AMQP_NOT_CONNECTED',
      });
      // ...or waits for it, as long as publishWaitMs allows.
      const late = waiter.resultChannel.deliver(runResult('late', 'late'));
      await startApp();
      appStopped = false;
      await waitForBroker();
      await late;
      expect(await broker.messageCount(waiterQueue)).toBe(1);
    } finally {
      if (appStopped) {
        await startApp();
        await waitForBroker();
      }
    }

    await relay;
    await Promise.all(deliveries);
    await waitFor(() => handled.size === N, 'every request to be handled', 60_000);
    const replies = await distinct(broker, replyQueue, N, (m) => m.properties.correlationId);
    expect([...replies].sort()).toEqual([...correlationIds].sort());
    const results = await distinct(broker, resultQueue, N, (m) => m.properties.messageId);
    expect(results.size).toBe(N);
    expect(events.disconnected).toBeGreaterThanOrEqual(1);
    await waitFor(() => transport.connected, 'the transport to reconnect');

    await transport.stop();
    expect(await queueCounts(names.requestQueue)).toEqual({ ready: 0, unacked: 0 });
    expect(await broker.messageCount(names.deadLetterQueue)).toBe(0);
  });
});

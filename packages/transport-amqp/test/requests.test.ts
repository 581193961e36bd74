import { describe, expect, it } from 'vitest';
import type { AmqpRequest } from '../src/index.ts';
import { waitFor } from './support/broker.ts';
import { queueCounts } from './support/rabbitmqctl.ts';
import { deferred, echo, recordingLogger, testTransport } from './support/transport.ts';
import { requester, started, testBroker, useBrokerLock } from './support/use-broker.ts';

useBrokerLock('shared');

/** The x-death header RabbitMQ adds when it dead-letters a message: why, and from which queue. */
function death(headers: Record<string, unknown> | undefined): { reason: unknown; queue: unknown } | undefined {
  const deaths = headers?.['x-death'];
  if (!Array.isArray(deaths)) return undefined;
  const first = deaths[0] as { reason?: unknown; queue?: unknown };
  return { reason: first.reason, queue: first.queue };
}

describe('AmqpTransport: requests', () => {
  it('replies with the correlation id, and acks only after handle has resolved', async () => {
    const broker = testBroker();
    const names = broker.names();
    const gate = deferred();
    const seen: AmqpRequest[] = [];
    await started(
      testTransport(names, {
        handle: async (request) => {
          seen.push(request);
          await gate.promise;
          return { reply: { ok: true, id: request.body['id'] }, deadLetter: false };
        },
      }),
    );
    const client = await requester(broker, names.requestQueue);
    const correlationId = await client.send({ id: 42 }, { headers: { 'x-tenant': 'acme' } });

    await waitFor(() => seen.length === 1, 'handle to be called');
    // Being handled: delivered, neither acked nor answered.
    expect(await queueCounts(names.requestQueue)).toEqual({ ready: 0, unacked: 1 });
    expect(client.replies.size).toBe(0);
    expect(seen[0]).toEqual({
      body: { id: 42 },
      messageId: `msg-${correlationId}`,
      correlationId,
      replyTo: client.replyQueue,
      redelivered: false,
      headers: { 'x-tenant': 'acme' },
    });

    gate.resolve();
    const { body, message } = await client.reply(correlationId);
    expect(body).toEqual({ ok: true, id: 42 });
    expect(message.properties.correlationId).toBe(correlationId);
    expect(message.properties.contentType).toBe('application/json');
    await waitFor(async () => (await queueCounts(names.requestQueue)).unacked === 0, 'the ack');
    expect(await queueCounts(names.requestQueue)).toEqual({ ready: 0, unacked: 0 });
    expect(await broker.messageCount(names.deadLetterQueue)).toBe(0);
  });

  it('acks a request without reply_to once handled, sending no reply', async () => {
    const broker = testBroker();
    const names = broker.names();
    const handled = deferred<AmqpRequest>();
    await started(
      testTransport(names, {
        handle: async (request) => {
          handled.resolve(request);
          return { reply: { ok: true }, deadLetter: false };
        },
      }),
    );
    await broker.sendRaw(names.requestQueue, Buffer.from('{"fire":"and forget"}'));
    expect((await handled.promise).replyTo).toBeUndefined();
    await waitFor(async () => (await queueCounts(names.requestQueue)).unacked === 0, 'the ack');
    expect(await broker.messageCount(names.requestQueue)).toBe(0);
    expect(await broker.messageCount(names.deadLetterQueue)).toBe(0);
  });

  it.each([
    ['not JSON', Buffer.from('{"id": 1,'), /^the body is not valid JSON: /],
    ['not UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), /^the body is not valid UTF-8$/],
    ['a JSON array', Buffer.from('[1,2]'), /^expected a JSON object, got an array$/],
    ['JSON null', Buffer.from('null'), /^expected a JSON object, got null$/],
  ])(
    'answers a body that is %s MALFORMED_MESSAGE and dead-letters it; the consumer goes on',
    async (_, content, reason) => {
      const broker = testBroker();
      const names = broker.names();
      const { logger, entries } = recordingLogger();
      let calls = 0;
      await started(
        testTransport(names, {
          logger,
          handle: async (request) => {
            calls++;
            return echo(request);
          },
        }),
      );
      const client = await requester(broker, names.requestQueue);
      const bad = await client.send(content);

      const { body, message } = await client.reply(bad);
      expect(body).toEqual({
        ok: false,
        error: {
          code: 'MALFORMED_MESSAGE',
          message: expect.stringMatching(/^malformed request: /),
          issues: [{ path: '', message: expect.stringMatching(reason) }],
        },
      });
      expect(message.properties.correlationId).toBe(bad);
      const [dead] = await broker.take(names.deadLetterQueue, 1);
      expect(dead?.content).toEqual(content);
      expect(dead?.properties.messageId).toBe(`msg-${bad}`);
      expect(death(dead?.properties.headers)).toEqual({ reason: 'rejected', queue: names.requestQueue });
      expect(calls).toBe(0);
      expect(entries.some((e) => e.level === 'warn' && /malformed/.test(e.message))).toBe(true);

      // The consumer is unharmed: the next request is handled and answered.
      const good = await client.send({ after: 'malformed' });
      expect((await client.reply(good)).body).toEqual({ ok: true, echo: { after: 'malformed' } });
      expect(await broker.messageCount(names.requestQueue)).toBe(0);
    },
  );

  it('answers INTERNAL and dead-letters the request when handle throws, without requeueing it', async () => {
    const broker = testBroker();
    const names = broker.names();
    const { logger, entries } = recordingLogger();
    let calls = 0;
    await started(
      testTransport(names, {
        logger,
        handle: async (request) => {
          calls++;
          if (request.body['explode']) throw new Error('database password is hunter2');
          return echo(request);
        },
      }),
    );
    const client = await requester(broker, names.requestQueue);
    const failing = await client.send({ explode: true });

    const { body } = await client.reply(failing);
    expect(body).toEqual({ ok: false, error: { code: 'INTERNAL', message: expect.any(String) } });
    // The cause is logged, not sent to the requester.
    expect(JSON.stringify(body)).not.toMatch(/hunter2/);
    expect(entries.find((e) => e.level === 'error')?.fields['err']).toMatchObject({
      message: 'database password is hunter2',
    });
    const [dead] = await broker.take(names.deadLetterQueue, 1);
    expect(JSON.parse(dead?.content.toString() ?? '')).toEqual({ explode: true });
    expect(death(dead?.properties.headers)?.reason).toBe('rejected');

    const next = await client.send({ explode: false });
    expect((await client.reply(next)).body).toEqual({ ok: true, echo: { explode: false } });
    expect(calls).toBe(2);
  });

  it('sends the reply and dead-letters the request when handle refuses it (deadLetter: true)', async () => {
    const broker = testBroker();
    const names = broker.names();
    const refusal = { ok: false, error: { code: 'SCHEDULE_INVALID', message: 'rules[0].cron: minute 61 out of 0-59' } };
    await started(
      testTransport(names, {
        handle: async () => ({ reply: refusal, deadLetter: true, reason: 'invalid schedule' }),
      }),
    );
    const client = await requester(broker, names.requestQueue);
    const id = await client.send({ schedule: { rules: [{ cron: '61 * * * *' }] } });

    expect((await client.reply(id)).body).toEqual(refusal);
    const [dead] = await broker.take(names.deadLetterQueue, 1);
    expect(dead?.properties.correlationId).toBe(id);
    expect(death(dead?.properties.headers)).toEqual({ reason: 'rejected', queue: names.requestQueue });
    expect(await broker.messageCount(names.requestQueue)).toBe(0);
  });

  it('answers INTERNAL, keeping the ack, when the reply has no JSON form', async () => {
    const broker = testBroker();
    const names = broker.names();
    await started(testTransport(names, { handle: async () => ({ reply: { big: 1n }, deadLetter: false }) }));
    const client = await requester(broker, names.requestQueue);
    const id = await client.send({});
    expect((await client.reply(id)).body).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    await waitFor(async () => (await queueCounts(names.requestQueue)).unacked === 0, 'the ack');
    // handle resolved, so its effect is durable: the request is acked, not dead-lettered.
    expect(await broker.messageCount(names.deadLetterQueue)).toBe(0);
  });

  it('handles up to `prefetch` requests at once', async () => {
    const broker = testBroker();
    const names = broker.names();
    const gate = deferred();
    let active = 0;
    let most = 0;
    await started(
      testTransport(names, {
        prefetch: 3,
        handle: async (request) => {
          most = Math.max(most, ++active);
          await gate.promise;
          active--;
          return echo(request);
        },
      }),
    );
    const client = await requester(broker, names.requestQueue);
    const ids = await Promise.all(Array.from({ length: 10 }, (_, i) => client.send({ i })));
    await waitFor(() => active === 3, 'three requests in progress');
    expect(await queueCounts(names.requestQueue)).toEqual({ ready: 7, unacked: 3 });
    gate.resolve();
    for (const id of ids) await client.reply(id);
    expect(most).toBe(3);
  });
});

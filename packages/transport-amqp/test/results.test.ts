import { describe, expect, it } from 'vitest';
import { AmqpNotConnectedError, AmqpPublishError, AmqpUnroutableError } from '../src/index.ts';
import { runResult, testTransport } from './support/transport.ts';
import { started, testBroker, useBrokerLock } from './support/use-broker.ts';

useBrokerLock('shared');

describe('AmqpTransport: results', () => {
  it('publishes toResultMessage(result) persistent, with the requester id as routing key and the run id as message_id', async () => {
    const broker = testBroker();
    const names = broker.names();
    const transport = await started(
      testTransport(names, { toResultMessage: async (r) => ({ run: r.run_id, status: r.status }) }),
    );
    const billing = await broker.bindQueue(names.resultExchange, 'billing');
    const other = await broker.bindQueue(names.resultExchange, 'reports');

    await transport.resultChannel.deliver(runResult('run-1', 'billing'));

    // Resolved on the publisher confirm, so the broker has already routed it: no waiting needed.
    expect(await broker.messageCount(billing)).toBe(1);
    const [message] = await broker.take(billing, 1);
    expect(JSON.parse(message?.content.toString() ?? '')).toEqual({ run: 'run-1', status: 'success' });
    expect(message?.fields.routingKey).toBe('billing');
    expect(message?.fields.exchange).toBe(names.resultExchange);
    expect(message?.properties).toMatchObject({
      deliveryMode: 2,
      contentType: 'application/json',
      messageId: 'run-1',
    });
    expect(await broker.messageCount(other)).toBe(0);
  });

  it('rejects with AmqpUnroutableError a result no queue takes, and delivers it once the requester binds one', async () => {
    const broker = testBroker();
    const names = broker.names();
    const transport = await started(testTransport(names));
    // The outbox keeps a rejected result and delivers it again later: nothing is dropped by the broker.
    const error = await transport.resultChannel.deliver(runResult('run-early', 'late-binder')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AmqpUnroutableError);
    expect(error).toMatchObject({ code: 'AMQP_UNROUTABLE' });
    const queue = await broker.bindQueue(names.resultExchange, 'late-binder');
    await transport.resultChannel.deliver(runResult('run-early', 'late-binder'));
    expect(await broker.messageCount(queue)).toBe(1);
    // Routed results on the same channel are not affected by an earlier return.
    await transport.resultChannel.deliver(runResult('run-next', 'late-binder'));
    expect(await broker.messageCount(queue)).toBe(2);
  });

  it("is named 'amqp' by default, or channelName", async () => {
    const broker = testBroker();
    const names = broker.names();
    expect(testTransport(names).resultChannel.name).toBe('amqp');
    expect(testTransport(names, { channelName: 'rabbit-eu' }).resultChannel.name).toBe('rabbit-eu');
  });

  it('confirms many results delivered at once, each to its requester', async () => {
    const broker = testBroker();
    const names = broker.names();
    const transport = await started(testTransport(names));
    const queues = [
      await broker.bindQueue(names.resultExchange, 'a'),
      await broker.bindQueue(names.resultExchange, 'b'),
    ];
    await Promise.all(
      Array.from({ length: 500 }, (_, i) => transport.resultChannel.deliver(runResult(`run-${i}`, i % 2 ? 'b' : 'a'))),
    );
    expect(await broker.messageCount(queues[0] ?? '')).toBe(250);
    expect(await broker.messageCount(queues[1] ?? '')).toBe(250);
  });

  it('rejects with AmqpNotConnectedError before start and after stop', async () => {
    const broker = testBroker();
    const names = broker.names();
    const transport = testTransport(names);
    const before = await transport.resultChannel.deliver(runResult('run-1', 'a')).catch((e: unknown) => e);
    expect(before).toBeInstanceOf(AmqpNotConnectedError);
    expect(before).toMatchObject({ code: 'AMQP_NOT_CONNECTED' });
    await transport.start();
    await transport.stop();
    await expect(transport.resultChannel.deliver(runResult('run-2', 'a'))).rejects.toMatchObject({
      code: 'AMQP_NOT_CONNECTED',
    });
  });

  it('rejects with AmqpPublishError a result message that has no JSON form, and goes on', async () => {
    const broker = testBroker();
    const names = broker.names();
    const transport = await started(
      testTransport(names, { toResultMessage: (r) => (r.run_id === 'bad' ? { n: 1n } : { run: r.run_id }) }),
    );
    const queue = await broker.bindQueue(names.resultExchange, '#');
    const error = await transport.resultChannel.deliver(runResult('bad', 'a')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AmqpPublishError);
    expect(error).toMatchObject({ code: 'AMQP_PUBLISH_FAILED', message: expect.stringMatching(/run bad/) });
    await transport.resultChannel.deliver(runResult('good', 'a'));
    expect(await broker.messageCount(queue)).toBe(1);
  });

  it('rejects a requester id longer than a routing key can be, and goes on', async () => {
    const broker = testBroker();
    const names = broker.names();
    const transport = await started(testTransport(names));
    await expect(transport.resultChannel.deliver(runResult('run-1', 'x'.repeat(256)))).rejects.toMatchObject({
      code: 'AMQP_PUBLISH_FAILED',
    });
    const queue = await broker.bindQueue(names.resultExchange, 'ok');
    await transport.resultChannel.deliver(runResult('run-2', 'ok'));
    expect(await broker.messageCount(queue)).toBe(1);
  });
});

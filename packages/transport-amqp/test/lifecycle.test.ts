import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { AmqpRequest } from '../src/index.ts';
import { BROKER_URL, waitFor } from './support/broker.ts';
import { deferred, echo, runResult, testTransport } from './support/transport.ts';
import { requester, started, testBroker, useBrokerLock } from './support/use-broker.ts';

useBrokerLock('shared');

const run = promisify(execFile);

/** Rows of `rabbitmqctl <command> <columns…>` that mention `needle`. */
async function listing(needle: string, ...args: string[]): Promise<string[]> {
  const { stdout } = await run('rabbitmqctl', [...args, '-s']);
  return stdout.split('\n').filter((line) => line.includes(needle));
}

describe('AmqpTransport: lifecycle', () => {
  it('declares the topology: durable request queue dead-lettering to a durable DLX and DLQ, a durable topic exchange', async () => {
    const broker = testBroker();
    const names = broker.names();
    const transport = await started(testTransport(names));
    expect(transport.connected).toBe(true);

    const queues = await listing(names.suffix, 'list_queues', 'name', 'durable', 'arguments');
    expect(queues).toHaveLength(2);
    expect(queues).toContainEqual(
      `${names.requestQueue}\ttrue\t[{"x-dead-letter-exchange","${names.deadLetterExchange}"}]`,
    );
    expect(queues).toContainEqual(`${names.deadLetterQueue}\ttrue\t[]`);
    const exchanges = await listing(names.suffix, 'list_exchanges', 'name', 'type', 'durable');
    expect(exchanges.sort()).toEqual(
      [`${names.deadLetterExchange}\tfanout\ttrue`, `${names.resultExchange}\ttopic\ttrue`].sort(),
    );
    const bindings = await listing(names.deadLetterExchange, 'list_bindings', 'source_name', 'destination_name');
    expect(bindings).toEqual([`${names.deadLetterExchange}\t${names.deadLetterQueue}`]);
    // Two connections, named for the tools, one consumer on the request queue.
    const connections = await listing(names.connectionName, 'list_connections', 'client_properties');
    expect(connections.map((line) => /"connection_name","([^"]+)"/.exec(line)?.[1]).sort()).toEqual([
      `${names.connectionName} consumer`,
      `${names.connectionName} publisher`,
    ]);
    expect(await listing(names.requestQueue, 'list_consumers', 'queue_name')).toHaveLength(1);
  });

  it('start rejects when the broker cannot be reached, and leaves nothing running', async () => {
    const broker = testBroker();
    const transport = testTransport(broker.names(), { url: 'amqp://guest:guest@127.0.0.1:1' });
    await expect(transport.start()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(transport.connected).toBe(false);
    await transport.stop();
  });

  it('start rejects when the request queue exists with other arguments (406), and closes its connections', async () => {
    const broker = testBroker();
    const names = broker.names();
    await (await broker.channel()).assertQueue(names.requestQueue, { durable: false });
    const transport = testTransport(names);
    await expect(transport.start()).rejects.toThrow(/PRECONDITION_FAILED/);
    await waitFor(
      async () => (await listing(names.connectionName, 'list_connections', 'client_properties')).length === 0,
      'connections to close',
    );
    // Nothing retries in the background.
    expect(transport.connected).toBe(false);
  });

  it('start and stop are idempotent; connected is emitted once; the transport can start again', async () => {
    const broker = testBroker();
    const names = broker.names();
    const transport = testTransport(names);
    let connectedEvents = 0;
    transport.on('connected', () => connectedEvents++);
    await Promise.all([transport.start(), transport.start()]);
    await transport.start();
    expect(connectedEvents).toBe(1);
    await Promise.all([transport.stop(), transport.stop()]);
    await transport.stop();
    expect(transport.connected).toBe(false);
    expect(await listing(names.connectionName, 'list_connections', 'client_properties')).toEqual([]);

    await started(transport);
    const client = await requester(broker, names.requestQueue);
    expect((await client.reply(await client.send({ again: true }))).body).toEqual({ ok: true, echo: { again: true } });
  });

  it('stop waits for the requests in progress to be answered and acked; a request that comes meanwhile is left for the next consumer', async () => {
    const broker = testBroker();
    const names = broker.names();
    const gate = deferred();
    const first = deferred<AmqpRequest>();
    const transport = testTransport(names, {
      handle: async (request) => {
        first.resolve(request);
        await gate.promise;
        return echo(request);
      },
    });
    await transport.start();
    const client = await requester(broker, names.requestQueue);
    const inProgress = await client.send({ n: 1 });
    await first.promise;

    let stopped = false;
    const stopping = transport.stop().then(() => {
      stopped = true;
    });
    const late = await client.send({ n: 2 });
    // stop() is still waiting for the handler: its request is neither answered nor acked.
    await waitFor(
      async () => (await listing(names.requestQueue, 'list_consumers', 'queue_name')).length === 0,
      'the cancel',
    );
    expect(stopped).toBe(false);
    expect(client.replies.size).toBe(0);

    gate.resolve();
    await stopping;
    expect((await client.reply(inProgress)).body).toEqual({ ok: true, echo: { n: 1 } });
    expect(client.replies.has(late)).toBe(false);
    expect(await broker.messageCount(names.requestQueue)).toBe(1);

    const next = await started(testTransport(names));
    expect(next.connected).toBe(true);
    expect((await client.reply(late)).body).toEqual({ ok: true, echo: { n: 2 } });
    await waitFor(async () => (await broker.messageCount(names.requestQueue)) === 0, 'the queue to empty');
  });

  it('stopConsuming drains the requests in progress and stops taking new ones, while results still go out', async () => {
    const broker = testBroker();
    const names = broker.names();
    const gate = deferred();
    const first = deferred();
    const transport = await started(
      testTransport(names, {
        handle: async (request) => {
          first.resolve();
          await gate.promise;
          return echo(request);
        },
      }),
    );
    let disconnections = 0;
    transport.on('disconnected', () => disconnections++);
    const client = await requester(broker, names.requestQueue);
    const inProgress = await client.send({ n: 1 });
    await first.promise;

    let drained = false;
    const stopping = transport.stopConsuming().then(() => {
      drained = true;
    });
    await waitFor(
      async () => (await listing(names.requestQueue, 'list_consumers', 'queue_name')).length === 0,
      'the cancel',
    );
    expect(drained).toBe(false);
    gate.resolve();
    await stopping;
    expect((await client.reply(inProgress)).body).toEqual({ ok: true, echo: { n: 1 } });

    const waiting = await client.send({ n: 2 });
    const results = await broker.bindQueue(names.resultExchange, 'r');
    await transport.resultChannel.deliver(runResult('run-1', 'r'));
    expect(await broker.messageCount(results)).toBe(1);
    expect(transport.connected).toBe(true);
    expect(disconnections).toBe(0);
    expect(client.replies.has(waiting)).toBe(false);
    expect(await broker.messageCount(names.requestQueue)).toBe(1);
    await transport.stop();
  });

  it('declares the request queue again and resumes when it is deleted under the consumer', async () => {
    const broker = testBroker();
    const names = broker.names();
    const transport = await started(testTransport(names));
    let disconnections = 0;
    transport.on('disconnected', () => disconnections++);
    await (await broker.channel()).deleteQueue(names.requestQueue);
    await waitFor(
      async () => (await listing(names.requestQueue, 'list_consumers', 'queue_name')).length === 1,
      'a new consumer',
    );
    expect(disconnections).toBe(1);
    const client = await requester(broker, names.requestQueue);
    expect((await client.reply(await client.send({ back: true }))).body).toEqual({ ok: true, echo: { back: true } });
  });

  it('uses the URL as given (vhost and heartbeat from it)', async () => {
    const broker = testBroker();
    const names = broker.names();
    const transport = await started(testTransport(names, { url: `${BROKER_URL}/%2F?heartbeat=5` }));
    expect(transport.connected).toBe(true);
    const timeouts = await listing(names.connectionName, 'list_connections', 'timeout', 'client_properties');
    expect(timeouts.map((line) => line.split('\t')[0])).toEqual(['5', '5']);
  });
});

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ChannelModel, type ConfirmChannel, connect, type Message } from 'amqplib';

export const BROKER_URL = process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

/** Unique names for one test: the transport's queues and exchanges and its connection-name prefix. */
export interface TestNames {
  readonly requestQueue: string;
  readonly deadLetterQueue: string;
  readonly deadLetterExchange: string;
  readonly resultExchange: string;
  readonly connectionName: string;
  readonly suffix: string;
}

/**
 * The test's own side of the broker: one connection (reopened after a broker restart) for
 * publishing requests, reading queues and cleaning up what each test declared.
 */
export class TestBroker {
  private model: ChannelModel | undefined;
  private channelPromise: Promise<ConfirmChannel> | undefined;
  private readonly queues = new Set<string>();
  private readonly exchanges = new Set<string>();

  /** Fresh names, deleted by `cleanup()`. */
  names(): TestNames {
    const suffix = randomUUID().slice(0, 8);
    const requestQueue = `test.requests.${suffix}`;
    const names = {
      requestQueue,
      deadLetterQueue: `${requestQueue}.dead`,
      deadLetterExchange: `${requestQueue}.dlx`,
      resultExchange: `test.results.${suffix}`,
      connectionName: `test-transport-${suffix}`,
      suffix,
    };
    this.queues.add(names.requestQueue).add(names.deadLetterQueue);
    this.exchanges.add(names.deadLetterExchange).add(names.resultExchange);
    return names;
  }

  /** Remembers a queue the test declared itself, for `cleanup()`. */
  track(queue: string): string {
    this.queues.add(queue);
    return queue;
  }

  /** A confirm channel on the test's connection, reopened if the broker closed it. */
  channel(): Promise<ConfirmChannel> {
    this.channelPromise ??= this.open().catch((error: unknown) => {
      this.channelPromise = undefined;
      throw error;
    });
    return this.channelPromise;
  }

  /** A second connection of the test's own, for consumers that must not share the main channel. */
  async connection(): Promise<ChannelModel> {
    const model = await connect(BROKER_URL, { clientProperties: { connection_name: 'test-helper' } });
    model.on('error', () => {});
    return model;
  }

  /** Publishes raw bytes to a queue (default exchange), confirmed. */
  async sendRaw(queue: string, content: Buffer, properties: Record<string, unknown> = {}): Promise<void> {
    const channel = await this.channel();
    await new Promise<void>((resolve, reject) => {
      channel.sendToQueue(queue, content, { persistent: true, ...properties }, (error: unknown) =>
        error ? reject(error) : resolve(),
      );
    });
  }

  /** Declares a durable queue (tracked) bound to `exchange` with `key`. */
  async bindQueue(exchange: string, key: string): Promise<string> {
    const channel = await this.channel();
    const { queue } = await channel.assertQueue(this.track(`test.bound.${randomUUID().slice(0, 8)}`), {
      durable: true,
    });
    await channel.bindQueue(queue, exchange, key);
    return queue;
  }

  /** Ready messages in a queue. */
  async messageCount(queue: string): Promise<number> {
    return (await (await this.channel()).checkQueue(queue)).messageCount;
  }

  /** Takes every message from `queue` (acking them) until `count` have come, or fails after `limitMs`. */
  async take(queue: string, count: number, limitMs = 30_000): Promise<Message[]> {
    const channel = await this.channel();
    const taken: Message[] = [];
    const deadline = Date.now() + limitMs;
    while (taken.length < count) {
      const message = await channel.get(queue, { noAck: true });
      if (message) taken.push(message);
      else if (Date.now() > deadline)
        throw new Error(`${queue}: ${taken.length} of ${count} messages after ${limitMs} ms`);
      else await sleep(20);
    }
    return taken;
  }

  /** Deletes every queue and exchange this test declared or named; closes the connection. */
  async cleanup(): Promise<void> {
    const channel = await this.channel();
    for (const queue of this.queues) await channel.deleteQueue(queue);
    for (const exchange of this.exchanges) await channel.deleteExchange(exchange);
    this.queues.clear();
    this.exchanges.clear();
    await this.close();
  }

  async close(): Promise<void> {
    const model = this.model;
    this.model = undefined;
    this.channelPromise = undefined;
    await model?.close().catch(() => {});
  }

  private async open(): Promise<ConfirmChannel> {
    if (this.model === undefined) {
      const model = await connect(BROKER_URL, { clientProperties: { connection_name: 'test-helper' } });
      model.on('error', () => {});
      model.on('close', () => {
        if (this.model === model) {
          this.model = undefined;
          this.channelPromise = undefined;
        }
      });
      this.model = model;
    }
    const channel = await this.model.createConfirmChannel();
    channel.on('error', () => {});
    channel.on('close', () => {
      this.channelPromise = undefined;
    });
    return channel;
  }
}

/** Waits for `ready()` to hold, polling; fails with `what` after `limitMs` (a bound, not a timing test). */
export async function waitFor(ready: () => boolean | Promise<boolean>, what: string, limitMs = 15_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Waits until the broker accepts connections again (after start_app). */
export async function waitForBroker(limitMs = 60_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    try {
      const model = await connect(BROKER_URL);
      model.on('error', () => {});
      await model.close();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(200);
    }
  }
}

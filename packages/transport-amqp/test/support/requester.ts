import { randomUUID } from 'node:crypto';
import type { ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { type TestBroker, waitFor } from './broker.ts';

/**
 * A client of the transport, as a service would be: publishes requests with `reply_to`,
 * `correlation_id` and `message_id`, and collects the replies by correlation id.
 */
export class Requester {
  /** Replies by correlation id (the last one, when a request was answered twice). */
  readonly replies = new Map<string, ConsumeMessage>();
  readonly replyQueue: string;
  private readonly model: ChannelModel;
  private readonly channel: ConfirmChannel;
  private readonly requestQueue: string;

  private constructor(model: ChannelModel, channel: ConfirmChannel, requestQueue: string, replyQueue: string) {
    this.model = model;
    this.channel = channel;
    this.requestQueue = requestQueue;
    this.replyQueue = replyQueue;
  }

  /** Opens its own connection and an exclusive reply queue, consumed at once. */
  static async open(broker: TestBroker, requestQueue: string): Promise<Requester> {
    const model = await broker.connection();
    const channel = await model.createConfirmChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
    const requester = new Requester(model, channel, requestQueue, queue);
    await channel.consume(
      queue,
      (message) => {
        if (message?.properties.correlationId) requester.replies.set(message.properties.correlationId, message);
      },
      { noAck: true },
    );
    return requester;
  }

  /** Publishes a request (an object as JSON, or raw bytes); resolves to its correlation id once confirmed. */
  async send(body: unknown, properties: Record<string, unknown> = {}): Promise<string> {
    const correlationId = randomUUID();
    const content = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    await new Promise<void>((resolve, reject) => {
      this.channel.sendToQueue(
        this.requestQueue,
        content,
        {
          persistent: true,
          contentType: 'application/json',
          replyTo: this.replyQueue,
          correlationId,
          messageId: `msg-${correlationId}`,
          ...properties,
        },
        (error: unknown) => (error ? reject(error) : resolve()),
      );
    });
    return correlationId;
  }

  /** The reply to a request, parsed, once it has come. */
  async reply(correlationId: string, limitMs?: number): Promise<{ body: unknown; message: ConsumeMessage }> {
    await waitFor(() => this.replies.has(correlationId), `the reply to ${correlationId}`, limitMs);
    const message = this.replies.get(correlationId) as ConsumeMessage;
    return { body: JSON.parse(message.content.toString('utf8')), message };
  }

  async close(): Promise<void> {
    await this.model.close().catch(() => {});
  }
}

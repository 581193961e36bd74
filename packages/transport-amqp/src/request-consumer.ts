import type { Channel, ConsumeMessage } from 'amqplib';
import { encodeJson } from './confirmed-publisher.ts';
import { internalReply, malformedReply } from './error-replies.ts';
import type { AmqpLogger } from './logger.ts';
import { type AmqpReply, type AmqpRequest, parseDelivery } from './request.ts';

export interface RequestConsumerOptions {
  /** The channel the consumer runs on; its deliveries are acked on it. */
  readonly channel: Channel;
  readonly queue: string;
  /** Bodies larger than this are refused unread. */
  readonly maxMessageBytes: number;
  readonly handle: (request: AmqpRequest) => Promise<AmqpReply>;
  /** Publishes a reply to `replyTo`; resolves on the broker's confirm. */
  readonly sendReply: (replyTo: string, correlationId: string | undefined, content: Buffer) => Promise<void>;
  readonly logger: AmqpLogger;
}

interface Outcome {
  readonly reply: unknown;
  readonly deadLetter: boolean;
}

/**
 * Consumes the request queue on one channel. Each request is answered and then settled: acked once
 * `handle` has resolved and its reply is confirmed, or dead-lettered (`nack`, no requeue) when it is
 * malformed, refused or its handling failed. Nothing is requeued in a loop.
 */
export class RequestConsumer {
  private readonly options: RequestConsumerOptions;
  private readonly inFlight = new Set<Promise<void>>();
  private consumerTag: string | undefined;
  private accepting = true;
  private channelOpen = true;

  constructor(options: RequestConsumerOptions) {
    this.options = options;
    options.channel.on('close', () => {
      this.channelOpen = false;
    });
  }

  /** Starts consuming. */
  async start(): Promise<void> {
    const { consumerTag } = await this.options.channel.consume(this.options.queue, (message) => this.receive(message));
    this.consumerTag = consumerTag;
  }

  /** Requests being handled now. */
  get inProgress(): number {
    return this.inFlight.size;
  }

  /**
   * Stops taking requests and waits until those in progress are settled. Requests delivered after
   * this stay unacknowledged: the broker redelivers them once the channel closes.
   */
  async drain(): Promise<void> {
    this.accepting = false;
    if (this.consumerTag !== undefined && this.channelOpen) {
      await this.options.channel.cancel(this.consumerTag).catch(() => {});
    }
    await Promise.all([...this.inFlight]);
  }

  private receive(message: ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled the consumer (the queue was deleted). Closing the channel brings the
      // connection down and up again, which declares the queue anew and consumes again.
      this.options.logger.warn({ queue: this.options.queue }, 'AMQP consumer cancelled by the broker; reconnecting');
      this.options.channel.close().catch(() => {});
      return;
    }
    if (!this.accepting) return;
    const work = this.process(message).catch((error: unknown) => {
      this.options.logger.error({ err: error }, 'AMQP request processing failed');
    });
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async process(message: ConsumeMessage): Promise<void> {
    const { logger } = this.options;
    const properties = message.properties;
    const context = {
      messageId: properties.messageId as unknown,
      deliveryTag: message.fields.deliveryTag,
      redelivered: message.fields.redelivered,
    };
    const parsed = parseDelivery(message, this.options.maxMessageBytes);
    let outcome: Outcome;
    if (parsed.ok) {
      outcome = await this.decide(parsed.request, context);
    } else {
      logger.warn({ ...context, reason: parsed.reason }, 'malformed AMQP request; dead-lettering it');
      outcome = { reply: malformedReply(parsed.reason, parsed.code), deadLetter: true };
    }
    if (!this.channelOpen) {
      // The delivery can no longer be acked, so the broker redelivers it; that delivery replies.
      logger.debug(context, 'AMQP request handled after its channel closed; left for redelivery');
      return;
    }
    const replyTo =
      typeof properties.replyTo === 'string' && properties.replyTo !== '' ? properties.replyTo : undefined;
    const correlationId = typeof properties.correlationId === 'string' ? properties.correlationId : undefined;
    const replied = replyTo === undefined || (await this.reply(replyTo, correlationId, outcome.reply, context));
    this.settle(message, outcome.deadLetter, replied);
  }

  private async decide(request: AmqpRequest, context: Record<string, unknown>): Promise<Outcome> {
    try {
      const answer = await this.options.handle(request);
      if (answer.deadLetter === true) {
        this.options.logger.info({ ...context, reason: answer.reason }, 'AMQP request refused; dead-lettering it');
      }
      return { reply: answer.reply, deadLetter: answer.deadLetter === true };
    } catch (error) {
      this.options.logger.error({ ...context, err: error }, 'handling an AMQP request failed; dead-lettering it');
      return { reply: internalReply(), deadLetter: true };
    }
  }

  /** True once the reply is confirmed. */
  private async reply(
    replyTo: string,
    correlationId: string | undefined,
    reply: unknown,
    context: Record<string, unknown>,
  ): Promise<boolean> {
    let content: Buffer;
    try {
      content = encodeJson(reply, 'the reply');
    } catch (error) {
      this.options.logger.error({ ...context, err: error }, 'AMQP reply cannot be encoded; replying INTERNAL');
      content = encodeJson(internalReply(), 'the reply');
    }
    try {
      await this.options.sendReply(replyTo, correlationId, content);
      return true;
    } catch (error) {
      this.options.logger.warn({ ...context, err: error, replyTo }, 'AMQP reply not confirmed');
      return false;
    }
  }

  private settle(message: ConsumeMessage, deadLetter: boolean, replied: boolean): void {
    // With its channel gone the delivery can no longer be settled; the broker redelivers it.
    if (!this.channelOpen) return;
    const { channel } = this.options;
    try {
      if (!replied && !message.fields.redelivered) {
        // Requeued once so the reply is tried again (`handle` sees redelivered=true); on the
        // redelivery it is settled even if the reply fails again, so a reply_to that breaks the
        // publishing connection cannot loop.
        channel.nack(message, false, true);
      } else if (deadLetter) {
        channel.nack(message, false, false);
      } else {
        channel.ack(message);
      }
    } catch (error) {
      // The channel closed between the check and the call: the broker redelivers the request.
      this.options.logger.warn({ err: error, deliveryTag: message.fields.deliveryTag }, 'AMQP request not settled');
    }
  }
}

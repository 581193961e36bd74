import type { ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import { AmqpNotConnectedError, AmqpPublishError, AmqpUnroutableError } from './errors.ts';

/**
 * Publishes on one confirm channel; each publish resolves on the broker's confirm. Replies and
 * results both go through it, so "published" always means "the broker has taken it".
 */
export class ConfirmedPublisher {
  private readonly channel: ConfirmChannel;
  private readonly inFlight = new Set<Promise<void>>();
  /**
   * `message_id`s of mandatory messages the broker returned as unroutable. RabbitMQ sends a
   * message's basic.return before its confirm, so the confirm callback finds the mark here.
   */
  private readonly returned = new Set<string>();

  constructor(channel: ConfirmChannel) {
    this.channel = channel;
    channel.on('return', (message: ConsumeMessage) => {
      const id = message.properties.messageId as unknown;
      if (typeof id === 'string') this.returned.add(id);
    });
  }

  /**
   * Resolves once the broker confirms the message. Rejects with AmqpPublishError on a nack or when
   * the channel closes first (outcome unknown), with AmqpNotConnectedError when the channel was
   * already closed (nothing sent), and, for a `mandatory` message (which must have a `messageId`),
   * with AmqpUnroutableError when no queue took it.
   */
  publish(exchange: string, routingKey: string, content: Buffer, options: Options.Publish): Promise<void> {
    const confirmed = new Promise<void>((resolve, reject) => {
      const tooLong = overlongField(exchange, routingKey, options);
      if (tooLong !== undefined) {
        reject(new AmqpPublishError(`cannot publish to '${exchange}': ${tooLong} is longer than 255 bytes`));
        return;
      }
      try {
        // amqplib buffers when the socket is busy (publish returns false); callers bound their own
        // concurrency (prefetch, the outbox relay), so the buffer stays bounded.
        this.channel.publish(exchange, routingKey, content, options, (error: unknown) => {
          if (error) reject(new AmqpPublishError(`publish to '${exchange}' was not confirmed`, { cause: error }));
          else if (options.mandatory && options.messageId !== undefined && this.returned.delete(options.messageId)) {
            reject(new AmqpUnroutableError(`'${exchange}' has no queue bound for '${routingKey}'`));
          } else resolve();
        });
      } catch (error) {
        if ((error as Error).name === 'IllegalOperationError') {
          reject(new AmqpNotConnectedError('the publishing channel is closed', { cause: error }));
          return;
        }
        // amqplib registers the confirm callback before encoding, so a message it failed to encode
        // leaves the channel's confirms matched to the wrong publishes: replace the channel.
        reject(new AmqpPublishError(`cannot publish to '${exchange}': ${(error as Error).message}`, { cause: error }));
        this.channel.close().catch(() => {});
      }
    });
    const tracked = confirmed.then(
      () => {},
      () => {},
    );
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
    return confirmed;
  }

  /** Waits until every publish made so far is confirmed or failed. */
  async drain(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }
}

/** AMQP short strings (names, routing keys, string properties) hold at most 255 bytes. */
const SHORT_STRING_BYTES = 255;

/** The first field amqplib could not encode as a short string, checked before it is handed the message. */
function overlongField(exchange: string, routingKey: string, options: Options.Publish): string | undefined {
  const fields: [string, string | undefined][] = [
    ['the exchange name', exchange],
    ['the routing key', routingKey],
    ['message_id', options.messageId],
    ['correlation_id', options.correlationId],
    ['content_type', options.contentType],
  ];
  for (const [name, value] of fields) {
    if (value !== undefined && Buffer.byteLength(value) > SHORT_STRING_BYTES) return name;
  }
  return undefined;
}

/** A value as a JSON buffer; AmqpPublishError when it has no JSON form (a BigInt, a cycle, `undefined`). */
export function encodeJson(value: unknown, what: string): Buffer {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new AmqpPublishError(`${what} is not JSON-serialisable: ${(error as Error).message}`, { cause: error });
  }
  if (text === undefined) throw new AmqpPublishError(`${what} is not JSON-serialisable: got ${typeof value}`);
  return Buffer.from(text, 'utf8');
}

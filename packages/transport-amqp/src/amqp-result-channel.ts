import type { ResultChannel, RunResult } from '@br-sdk/schedule';
import { type ConfirmedPublisher, encodeJson } from './confirmed-publisher.ts';
import { AmqpNotConnectedError } from './errors.ts';

export interface AmqpResultChannelOptions {
  readonly name: string;
  readonly exchange: string;
  readonly toResultMessage: (result: RunResult) => unknown;
  /** Whether the transport is running (started, not stopping). */
  readonly running: () => boolean;
  /** The publisher, waiting for a reconnect as the transport allows. */
  readonly publisher: () => Promise<ConfirmedPublisher>;
}

/**
 * The scheduler's result channel over AMQP: each result is published persistent and mandatory to
 * the topic exchange with the requester id as routing key and the run id as `message_id`, and
 * `deliver` resolves only on the broker's publisher confirm. A failure rejects and the outbox relay
 * retries, so a result can arrive twice (consumers deduplicate by `message_id`) but is not lost:
 * not even while the requester has no queue bound yet (the broker returns the message, and it stays
 * in the outbox until a queue takes it).
 */
export class AmqpResultChannel implements ResultChannel {
  readonly name: string;
  private readonly options: AmqpResultChannelOptions;

  constructor(options: AmqpResultChannelOptions) {
    this.name = options.name;
    this.options = options;
  }

  async deliver(result: RunResult): Promise<void> {
    if (!this.options.running()) throw new AmqpNotConnectedError('the AMQP transport is not running');
    const content = encodeJson(
      await this.options.toResultMessage(result),
      `the result message of run ${result.run_id}`,
    );
    const publisher = await this.options.publisher();
    await publisher.publish(this.options.exchange, result.requester_id, content, {
      persistent: true,
      mandatory: true,
      contentType: 'application/json',
      messageId: result.run_id,
    });
  }
}

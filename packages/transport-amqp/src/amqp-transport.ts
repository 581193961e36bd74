import { EventEmitter } from 'node:events';
import type { ResultChannel } from '@br-sdk/schedule';
import { AmqpResultChannel } from './amqp-result-channel.ts';
import { ConfirmedPublisher } from './confirmed-publisher.ts';
import { AmqpNotConnectedError } from './errors.ts';
import { ManagedConnection } from './managed-connection.ts';
import {
  type AmqpTransportOptions,
  type ResolvedAmqpTransportOptions,
  resolveAmqpTransportOptions,
} from './options.ts';
import { RequestConsumer } from './request-consumer.ts';
import { declareRequestTopology, declareResultTopology, type TopologyNames } from './topology.ts';

/** The events of {@link AmqpTransport}. */
export interface AmqpTransportEvents {
  /** The connections it needs are up (after `start()`, and after each recovery). */
  connected: [];
  /** A connection was lost while running; the transport is reconnecting. Not emitted by `stop()`. */
  disconnected: [error: Error | undefined];
}

/** How long a consumer (re)connect waits for the publishing connection before that attempt fails. */
const PUBLISHER_WAIT_ON_CONNECT_MS = 30_000;

type State = 'stopped' | 'starting' | 'running' | 'stopping';

/**
 * The scheduler's AMQP channel: consumes requests from a durable queue and answers them, and
 * publishes results (as {@link AmqpTransport.resultChannel}). Two connections, each reconnecting
 * on its own: one consumes, one publishes replies and results on a confirm channel, so a reply the
 * broker rejects by closing the connection cannot stop the consumer.
 */
export class AmqpTransport extends EventEmitter<AmqpTransportEvents> {
  /** The options with defaults filled in. */
  readonly options: ResolvedAmqpTransportOptions;
  /** Publishes results; give it to the Scheduler's result channels. */
  readonly resultChannel: ResultChannel;
  private readonly consumerLink: ManagedConnection<RequestConsumer>;
  private readonly publisherLink: ManagedConnection<ConfirmedPublisher>;
  private state: State = 'stopped';
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private isConnected = false;
  /** False after `stopConsuming()`: the consumer connection is no longer wanted. */
  private consuming = false;

  /** Checks the options (AmqpOptionsError); connects only on `start()`. */
  constructor(options: AmqpTransportOptions) {
    super();
    const resolved = resolveAmqpTransportOptions(options);
    this.options = resolved;
    const { logger, url, reconnect } = resolved;
    const names: TopologyNames = resolved;
    this.publisherLink = new ManagedConnection({
      url,
      reconnect,
      logger,
      name: `${resolved.connectionName} publisher`,
      setup: async (connection, watch) => {
        const channel = await connection.createConfirmChannel();
        watch(channel);
        await declareResultTopology(channel, names);
        return new ConfirmedPublisher(channel);
      },
      drain: (publisher) => publisher.drain(),
      onUp: () => this.linkChanged(undefined),
      onDown: (error) => this.linkChanged(error),
    });
    this.consumerLink = new ManagedConnection({
      url,
      reconnect,
      logger,
      name: `${resolved.connectionName} consumer`,
      setup: async (connection, watch, stopping) => {
        // Consume only once replies can be published: after an outage the two connections come back
        // in either order, and a request taken before the publisher is back could not be answered.
        await this.publisherLink.waitForResource(PUBLISHER_WAIT_ON_CONNECT_MS, stopping);
        const channel = await connection.createChannel();
        watch(channel);
        await declareRequestTopology(channel, names);
        await channel.prefetch(resolved.prefetch);
        const consumer = new RequestConsumer({
          channel,
          queue: resolved.requestQueue,
          maxMessageBytes: resolved.maxMessageBytes,
          handle: resolved.handle,
          logger,
          sendReply: (replyTo, correlationId, content) => this.sendReply(replyTo, correlationId, content),
        });
        await consumer.start();
        return consumer;
      },
      drain: (consumer) => consumer.drain(),
      onUp: () => this.linkChanged(undefined),
      onDown: (error) => this.linkChanged(error),
    });
    this.resultChannel = new AmqpResultChannel({
      name: resolved.channelName,
      exchange: resolved.resultExchange,
      toResultMessage: resolved.toResultMessage,
      running: () => this.state === 'running',
      publisher: () => this.publisherLink.waitForResource(resolved.publishWaitMs),
    });
  }

  /** True while running with the connections it needs up: both, or the publisher's after `stopConsuming()`. */
  get connected(): boolean {
    return this.isConnected;
  }

  /**
   * Connects, declares the topology and starts consuming. Rejects if the first attempt fails (broker
   * unreachable, bad credentials, a queue declared elsewhere with other arguments); once started,
   * lost connections are re-established on their own. Calling it again while started does nothing.
   */
  start(): Promise<void> {
    if (this.state === 'running') return Promise.resolve();
    if (this.starting) return this.starting;
    if (this.state === 'stopping') return Promise.reject(new AmqpNotConnectedError('the AMQP transport is stopping'));
    this.state = 'starting';
    this.starting = this.startLinks().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  /**
   * Stops taking requests, waits until those in progress are answered and settled, and closes the
   * consumer's connection, while results go on being published until `stop()`. For an orderly
   * shutdown: stop consuming, stop the scheduler (its last results go out), then `stop()`.
   * Requests delivered but not yet handled are redelivered by the broker to the next consumer.
   */
  async stopConsuming(): Promise<void> {
    await this.starting?.catch(() => {});
    this.consuming = false;
    await this.consumerLink.stop();
    // With the consumer no longer wanted, the publisher alone decides `connected`.
    this.linkChanged(undefined);
  }

  /**
   * Stops consuming, waits for the requests in progress (handled, replied, settled) and the
   * results awaiting their confirm, then closes both connections. Requests delivered but not yet
   * handled stay unacknowledged, and the broker redelivers them. Idempotent; `start()` may follow.
   */
  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopping = this.stopLinks().finally(() => {
      this.stopping = undefined;
    });
    return this.stopping;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  private async startLinks(): Promise<void> {
    try {
      // The publisher first: the first request may need a reply at once.
      await this.publisherLink.start();
      await this.consumerLink.start();
    } catch (error) {
      await this.consumerLink.stop();
      await this.publisherLink.stop();
      this.state = 'stopped';
      throw error;
    }
    this.state = 'running';
    this.consuming = true;
    this.linkChanged(undefined);
  }

  private async stopLinks(): Promise<void> {
    await this.starting?.catch(() => {});
    if (this.state === 'stopped') return;
    this.state = 'stopping';
    this.isConnected = false;
    this.consuming = false;
    // The consumer first: requests it drains still send their replies through the publisher.
    await this.consumerLink.stop();
    await this.publisherLink.stop();
    this.state = 'stopped';
  }

  private async sendReply(replyTo: string, correlationId: string | undefined, content: Buffer): Promise<void> {
    const publisher = await this.publisherLink.waitForResource(this.options.publishWaitMs);
    await publisher.publish('', replyTo, content, {
      contentType: 'application/json',
      persistent: true,
      ...(correlationId === undefined ? {} : { correlationId }),
    });
  }

  private linkChanged(error: Error | undefined): void {
    const up =
      this.state === 'running' &&
      this.publisherLink.resource !== undefined &&
      (!this.consuming || this.consumerLink.resource !== undefined);
    if (up === this.isConnected) return;
    this.isConnected = up;
    try {
      if (up) this.emit('connected');
      else this.emit('disconnected', error);
    } catch (listenerError) {
      // A throwing listener must not unwind into amqplib's socket handlers.
      this.options.logger.error({ err: listenerError }, 'an AmqpTransport event listener threw');
    }
  }
}

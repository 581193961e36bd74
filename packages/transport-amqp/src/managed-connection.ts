import { type Channel, type ChannelModel, connect } from 'amqplib';
import { backoffDelay, sleep } from './backoff.ts';
import { AmqpNotConnectedError } from './errors.ts';
import type { AmqpLogger } from './logger.ts';

/** A TCP connect or AMQP handshake that takes longer than this counts as a failed attempt. */
const CONNECT_TIMEOUT_MS = 10_000;

export interface ManagedConnectionOptions<T> {
  readonly url: string;
  /** The `connection_name` client property: how the broker's tools show this connection. */
  readonly name: string;
  readonly reconnect: { readonly initialDelayMs: number; readonly maxDelayMs: number };
  readonly logger: AmqpLogger;
  /**
   * Opens what this connection serves (channels, declarations, consumers). It must pass every
   * channel it opens to `watch`: a channel that closes unexpectedly takes the connection down with
   * it, and the whole set is rebuilt on a new connection. Throwing fails this attempt. `stopping`
   * aborts when `stop()` is called, for setups that wait on something.
   */
  readonly setup: (connection: ChannelModel, watch: (channel: Channel) => void, stopping: AbortSignal) => Promise<T>;
  /** Finishes work on a resource before its connection is closed by `stop()`. */
  readonly drain?: (resource: T) => Promise<void>;
  readonly onUp?: (resource: T) => void;
  readonly onDown?: (error: Error | undefined) => void;
}

interface Live<T> {
  readonly connection: ChannelModel;
  resource: T | undefined;
  /** The channels `setup` opened, closed in order before the connection. */
  readonly channels: Channel[];
  /** We are closing it: its close is no loss. */
  closing: boolean;
  lost: boolean;
}

/**
 * One AMQP connection kept open: when the broker closes it, the network drops it or one of its
 * channels dies, it is reopened with backoff (full jitter) and `setup` runs again, until `stop()`.
 * amqplib does not reconnect by itself (decision 0013).
 */
export class ManagedConnection<T> {
  private readonly options: ManagedConnectionOptions<T>;
  private live: Live<T> | undefined;
  private running = false;
  private stopSignal = new AbortController();
  private loop: Promise<void> | undefined;
  private readonly waiters = new Set<{ resolve: (resource: T) => void; reject: (error: Error) => void }>();

  constructor(options: ManagedConnectionOptions<T>) {
    this.options = options;
  }

  /** What `setup` returned on the current connection; undefined while disconnected. */
  get resource(): T | undefined {
    return this.live?.resource;
  }

  /** Opens the connection once; rejects, and stays stopped, if that first attempt fails. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.stopSignal = new AbortController();
    let live: Live<T>;
    try {
      live = await this.open();
    } catch (error) {
      this.running = false;
      throw error;
    }
    if (!this.running || live.lost) {
      await this.close(live);
      throw new AmqpNotConnectedError(
        `${this.options.name}: ${live.lost ? 'connection lost' : 'stopped'} while starting`,
      );
    }
    this.up(live, 0);
  }

  /**
   * The current resource, or the next one if a reconnect completes within `waitMs`; rejects with
   * AmqpNotConnectedError otherwise, or at once when stopped or `signal` aborts.
   */
  waitForResource(waitMs: number, signal?: AbortSignal): Promise<T> {
    const current = this.live?.resource;
    if (current !== undefined) return Promise.resolve(current);
    if (!this.running || signal?.aborted) {
      return Promise.reject(new AmqpNotConnectedError(`${this.options.name}: not started`));
    }
    if (waitMs <= 0) return Promise.reject(this.notConnected(waitMs));
    return new Promise<T>((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', aborted);
        this.waiters.delete(waiter);
      };
      const waiter = {
        resolve: (resource: T) => {
          settle();
          resolve(resource);
        },
        reject: (error: Error) => {
          settle();
          reject(error);
        },
      };
      const aborted = () => waiter.reject(new AmqpNotConnectedError(`${this.options.name}: wait aborted`));
      const timer = setTimeout(() => waiter.reject(this.notConnected(waitMs)), waitMs);
      signal?.addEventListener('abort', aborted, { once: true });
      this.waiters.add(waiter);
    });
  }

  /** Stops reconnecting, drains the current resource, closes the connection. Idempotent. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopSignal.abort();
    for (const waiter of [...this.waiters]) waiter.reject(new AmqpNotConnectedError(`${this.options.name}: stopped`));
    await this.loop;
    const live = this.live;
    if (live) await this.close(live);
    this.live = undefined;
  }

  private notConnected(waitMs: number): AmqpNotConnectedError {
    return new AmqpNotConnectedError(`${this.options.name}: not connected to the broker (waited ${waitMs} ms)`);
  }

  private async open(): Promise<Live<T>> {
    const { logger, name } = this.options;
    const connection = await connect(this.options.url, {
      clientProperties: { connection_name: name },
      timeout: CONNECT_TIMEOUT_MS,
    });
    const live: Live<T> = { connection, resource: undefined, channels: [], closing: false, lost: false };
    // Without 'error' listeners an EventEmitter's error would crash the process; the matching
    // 'close' follows and drives the reconnect.
    connection.on('error', (error: Error) => logger.warn({ err: error, connection: name }, 'AMQP connection error'));
    connection.on('close', (error?: Error) => this.closed(live, error));
    connection.on('blocked', (reason: string) => logger.warn({ connection: name, reason }, 'AMQP connection blocked'));
    connection.on('unblocked', () => logger.info({ connection: name }, 'AMQP connection unblocked'));
    const watch = (channel: Channel) => {
      live.channels.push(channel);
      channel.on('error', (error: Error) => logger.warn({ err: error, connection: name }, 'AMQP channel error'));
      channel.on('close', () => {
        if (!live.closing) connection.close().catch(() => {});
      });
    };
    try {
      live.resource = await this.options.setup(connection, watch, this.stopSignal.signal);
    } catch (error) {
      live.closing = true;
      await connection.close().catch(() => {});
      throw error;
    }
    if (live.lost) throw new AmqpNotConnectedError(`${name}: connection lost while it was being set up`);
    return live;
  }

  private up(live: Live<T>, retries: number): void {
    this.live = live;
    this.options.logger.info({ connection: this.options.name, retries }, 'AMQP connection open');
    const resource = live.resource as T;
    for (const waiter of [...this.waiters]) waiter.resolve(resource);
    this.options.onUp?.(resource);
  }

  private closed(live: Live<T>, error: Error | undefined): void {
    live.lost = true;
    if (live.closing || this.live !== live) return;
    this.live = undefined;
    this.options.logger.warn({ err: error, connection: this.options.name }, 'AMQP connection lost');
    this.options.onDown?.(error);
    if (this.running && this.loop === undefined) {
      this.loop = this.reconnect().finally(() => {
        this.loop = undefined;
      });
    }
  }

  private async reconnect(): Promise<void> {
    const { initialDelayMs, maxDelayMs } = this.options.reconnect;
    for (let attempt = 0; this.running; attempt++) {
      await sleep(backoffDelay(attempt, initialDelayMs, maxDelayMs), this.stopSignal.signal);
      if (!this.running) return;
      let live: Live<T>;
      try {
        live = await this.open();
      } catch (error) {
        this.options.logger.warn({ err: error, connection: this.options.name, attempt }, 'AMQP reconnect failed');
        continue;
      }
      if (!this.running) {
        await this.close(live);
        return;
      }
      if (live.lost) continue;
      this.up(live, attempt + 1);
      return;
    }
  }

  private async close(live: Live<T>): Promise<void> {
    if (live.resource !== undefined && this.options.drain) {
      await this.options.drain(live.resource).catch((error: unknown) => {
        this.options.logger.warn({ err: error, connection: this.options.name }, 'AMQP drain failed');
      });
    }
    live.closing = true;
    // Channel by channel first: amqplib writes each channel's frames through its own buffer, so a
    // connection close could overtake the last acks. A channel's close is ordered after its acks,
    // and the broker has processed them when it answers.
    for (const channel of live.channels) await channel.close().catch(() => {});
    await live.connection.close().catch(() => {});
  }
}

import type { RunResult } from '../scheduler/task.ts';
import type { OutboxEntry, TaskStore } from '../store/task-store.ts';
import type { Clock, TimerHandle } from '../timing/clock.ts';
import type { ResultChannel } from './result-channel.ts';

/** A result a channel did not take, to be delivered again in `retry_in_ms`. */
export interface DeliveryRetry {
  readonly run_id: string;
  readonly channel: string;
  /** Why the channel refused or failed (its error, with a `code` where it has one). */
  readonly error: unknown;
  readonly retry_in_ms: number;
}

/** Backoff between delivery attempts of one result to one channel: 1 s doubling to 60 s. */
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 60_000;
/** Outbox entries read per page at start-up. */
const PAGE = 500;

/**
 * Moves results from the store's outbox to the result channels: each new result at once, and at
 * start-up whatever a previous process left undelivered. A failed delivery is retried with backoff
 * until the channel confirms, then the confirmation is written to the store.
 */
export class OutboxRelay {
  private readonly store: TaskStore;
  private readonly channels: ReadonlyMap<string, ResultChannel>;
  private readonly clock: Clock;
  private readonly onError: (error: unknown) => void;
  private readonly onRetry: (retry: DeliveryRetry) => void;
  private readonly retries = new Set<TimerHandle>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(options: {
    store: TaskStore;
    channels: readonly ResultChannel[];
    clock: Clock;
    /** A failure of the relay itself (a confirmation the store could not write). */
    onError: (error: unknown) => void;
    /** A channel did not take a result (it is down, or its requester is not listening yet): tried again later. */
    onRetry: (retry: DeliveryRetry) => void;
  }) {
    this.store = options.store;
    this.channels = new Map(options.channels.map((c) => [c.name, c]));
    this.clock = options.clock;
    this.onError = options.onError;
    this.onRetry = options.onRetry;
  }

  /** The channel names a new result must be confirmed by. */
  get channelNames(): readonly string[] {
    return [...this.channels.keys()];
  }

  /** Deliveries (a result to one channel) not confirmed yet: being tried or waiting to be tried again. */
  get undelivered(): number {
    return this.inFlight.size + this.retries.size;
  }

  /** Re-delivers what the outbox holds from before this start. */
  async resume(): Promise<void> {
    this.stopped = false;
    let after: string | undefined;
    for (;;) {
      const entries = await this.store.listOutbox({ limit: PAGE, ...(after === undefined ? {} : { after }) });
      for (const entry of entries) this.send(entry);
      const last = entries[entries.length - 1];
      if (entries.length < PAGE || last === undefined) return;
      after = last.result.run_id;
    }
  }

  /** Delivers a result just recorded in the outbox. */
  send(entry: OutboxEntry): void {
    for (const name of entry.pending) {
      const channel = this.channels.get(name);
      // A pending channel that is no longer configured keeps its entry: it may come back.
      if (channel) this.attempt(channel, entry.result, FIRST_RETRY_MS);
    }
  }

  /** Stops retrying and waits for deliveries in progress; what is unconfirmed stays in the outbox. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.retries) this.clock.clearTimer(timer);
    this.retries.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  private attempt(channel: ResultChannel, result: RunResult, nextDelay: number): void {
    if (this.stopped) return;
    const retry = () => {
      if (this.stopped) return;
      const timer = this.clock.setTimer(() => {
        this.retries.delete(timer);
        this.attempt(channel, result, Math.min(nextDelay * 2, MAX_RETRY_MS));
      }, nextDelay);
      this.retries.add(timer);
    };
    const delivery = channel
      .deliver(result)
      .then(
        () =>
          this.store.confirmDelivery(result.run_id, channel.name).catch((error: unknown) => {
            this.onError(error);
            retry();
          }),
        (error: unknown) => {
          // Not an error of the scheduler's: the result waits in the outbox, as designed.
          if (!this.stopped)
            this.onRetry({ run_id: result.run_id, channel: channel.name, error, retry_in_ms: nextDelay });
          retry();
        },
      )
      .finally(() => this.inFlight.delete(delivery));
    this.inFlight.add(delivery);
  }
}

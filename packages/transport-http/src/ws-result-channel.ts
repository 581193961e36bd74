import type { ResultChannel, RunResult } from '@br-sdk/schedule';
import { type ResultMessage, toResultMessage } from '@br-sdk/schedule/contract';
import { ResultChannelClosedError } from './errors.ts';
import type { ResultFrame } from './ws-frames.ts';

/** Where a subscribed connection receives result frames. */
export interface ResultSink {
  send(frame: ResultFrame): void;
}

/** Builds the message a requester receives for a result (the transport looks up the task's target). */
export type ResultMessageBuilder = (result: RunResult) => Promise<ResultMessage>;

/** A result waiting for an ack: its delivery promise settles when a subscriber acks it, or it is released. */
interface Parked {
  readonly result: RunResult;
  /** Built on first send, then reused for every subscriber. */
  message: Promise<ResultMessage> | null;
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  /** While draining: when the wait for an ack ends. */
  timer: NodeJS.Timeout | null;
}

/**
 * The `ws` result channel: results reach their requester's WebSocket subscribers and are confirmed
 * (the `deliver` promise resolves, and the outbox relay drops them from the store) only when a
 * subscriber acks them.
 *
 * A result whose requester has no subscriber is parked in memory until one subscribes and acks
 * it; every subscriber of the requester gets it and the first ack settles it. Results sent on a
 * connection that drops before its ack stay parked for the next subscriber, so delivery is at
 * least once and clients de-duplicate by cursor (the run id).
 *
 * A result released unacknowledged (by `drain()` or `close()`) is rejected with
 * ResultChannelClosedError: it stays in the store's outbox, and the outbox relay delivers it again
 * later or at the next start.
 */
export class WebSocketResultChannel implements ResultChannel {
  readonly name: string;
  /** By run id; Map order is arrival order. */
  private readonly parked = new Map<string, Parked>();
  private readonly subscribers = new Map<string, Set<ResultSink>>();
  /** Frames go out to each sink one after another, in the order they were queued. */
  private readonly queues = new WeakMap<ResultSink, Promise<void>>();
  private build: ResultMessageBuilder = async (result) => toResultMessage(result, undefined);
  private closed = false;
  /** Set by drain(): how long a result waits for an ack before it is released. */
  private drainAckTimeoutMs: number | null = null;

  /** @param options.name the channel's name, stored with outbox entries. @default 'ws' */
  constructor(options: { readonly name?: string } = {}) {
    this.name = options.name ?? 'ws';
  }

  /** Results waiting for an ack. */
  get pending(): number {
    return this.parked.size;
  }

  /** Sets how result messages are built (HttpTransport does, to add each task's call). */
  useMessageBuilder(build: ResultMessageBuilder): void {
    this.build = build;
  }

  /** Sends the result to its requester's subscribers (if any) and resolves once one of them acks it. */
  deliver(result: RunResult): Promise<void> {
    if (this.closed) return Promise.reject(new ResultChannelClosedError(result.run_id, 'closed'));
    const known = this.parked.get(result.run_id);
    if (known) return known.promise;
    let resolve: () => void = () => {};
    let reject: (error: Error) => void = () => {};
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const parked: Parked = { result, message: null, promise, resolve, reject, timer: null };
    this.parked.set(result.run_id, parked);
    for (const sink of this.subscribers.get(result.requester_id) ?? []) this.enqueue(sink, parked);
    if (this.drainAckTimeoutMs !== null) this.holdOrRelease(parked);
    return promise;
  }

  /** Adds a subscriber, then sends it every parked result of the requester, oldest run first. */
  subscribe(requesterId: string, sink: ResultSink): void {
    let sinks = this.subscribers.get(requesterId);
    if (!sinks) {
      sinks = new Set();
      this.subscribers.set(requesterId, sinks);
    }
    if (sinks.has(sink)) return;
    sinks.add(sink);
    const waiting = [...this.parked.values()].filter((p) => p.result.requester_id === requesterId);
    waiting.sort((a, b) => (a.result.run_id < b.result.run_id ? -1 : 1));
    for (const parked of waiting) this.enqueue(sink, parked);
  }

  unsubscribe(requesterId: string, sink: ResultSink): void {
    const sinks = this.subscribers.get(requesterId);
    sinks?.delete(sink);
    if (sinks?.size === 0) this.subscribers.delete(requesterId);
    this.recheck();
  }

  /** Forgets a sink whose connection closed; what it did not ack stays parked. */
  detach(sink: ResultSink): void {
    for (const [requesterId, sinks] of this.subscribers) {
      if (sinks.delete(sink) && sinks.size === 0) this.subscribers.delete(requesterId);
    }
    this.recheck();
  }

  /**
   * Confirms a result: false when the cursor is not parked (acked already, say: duplicates are
   * expected with at-least-once delivery) or its requester is not one the sink subscribed to.
   */
  ack(sink: ResultSink, cursor: string): boolean {
    const parked = this.parked.get(cursor);
    if (!parked || !this.subscribers.get(parked.result.requester_id)?.has(sink)) return false;
    this.parked.delete(cursor);
    if (parked.timer) clearTimeout(parked.timer);
    parked.resolve();
    return true;
  }

  /**
   * Stops holding results for later (for a shutdown: whoever waits for deliveries must not wait for
   * a subscriber that never comes). Results of requesters without a subscriber are released at once;
   * the others wait for an ack at most `ackTimeoutMs`, and so does every later one. Until open().
   */
  drain(ackTimeoutMs: number): void {
    if (this.closed) return;
    this.drainAckTimeoutMs = ackTimeoutMs;
    this.recheck();
  }

  /** Accepts results again after close(), and holds them again after drain(). */
  open(): void {
    this.closed = false;
    this.drainAckTimeoutMs = null;
  }

  /** Releases every parked result, and rejects every delivery until open(). */
  close(): void {
    this.closed = true;
    this.drainAckTimeoutMs = null;
    this.subscribers.clear();
    for (const parked of [...this.parked.values()]) this.release(parked, 'closed');
  }

  /** While draining, results whose requester lost its last subscriber are released. */
  private recheck(): void {
    if (this.drainAckTimeoutMs === null) return;
    for (const parked of [...this.parked.values()]) this.holdOrRelease(parked);
  }

  private holdOrRelease(parked: Parked): void {
    const ackTimeoutMs = this.drainAckTimeoutMs;
    if (ackTimeoutMs === null) return;
    if (!this.subscribers.has(parked.result.requester_id)) this.release(parked, 'closing');
    else parked.timer ??= setTimeout(() => this.release(parked, 'closing'), ackTimeoutMs);
  }

  private release(parked: Parked, state: 'closing' | 'closed'): void {
    if (this.parked.get(parked.result.run_id) !== parked) return;
    this.parked.delete(parked.result.run_id);
    if (parked.timer) clearTimeout(parked.timer);
    parked.reject(new ResultChannelClosedError(parked.result.run_id, state));
  }

  private enqueue(sink: ResultSink, parked: Parked): void {
    const previous = this.queues.get(sink) ?? Promise.resolve();
    const next = previous.then(async () => {
      parked.message ??= this.build(parked.result).catch(() => toResultMessage(parked.result, undefined));
      const message = await parked.message;
      // Acked by another subscriber meanwhile, or the sink unsubscribed: nothing to send.
      if (this.parked.get(parked.result.run_id) !== parked) return;
      if (!this.subscribers.get(parked.result.requester_id)?.has(sink)) return;
      sink.send({ type: 'result', cursor: parked.result.run_id, result: message });
    });
    // A failed send must not stall the sink's later frames; the result stays parked either way.
    this.queues.set(
      sink,
      next.catch(() => {}),
    );
  }
}

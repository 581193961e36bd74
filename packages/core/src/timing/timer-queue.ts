import type { Clock, TimerHandle } from './clock.ts';
import { MinHeap } from './min-heap.ts';

/**
 * One timer for any number of entries: a min-heap of due times with a single armed timer for the
 * earliest. Each wait is capped at {@link MAX_TIMER_DELAY_MS}: Node's setTimeout overflows past
 * 2^31-1 ms (24.8 days), and a machine that sleeps or a clock that NTP steps should be noticed
 * within seconds, not after the whole delay. A wake-up before the earliest entry is due (the wall
 * clock was set back) re-arms; one far after it is reported so operators can see stalls.
 */
export const MAX_TIMER_DELAY_MS = 30_000;

export interface TimerQueueHooks {
  /** Called with the current time when at least one entry is due; pop them with {@link TimerQueue.popDue}. */
  onDue(now: number): void;
  /** The timer woke before the earliest entry was due (clock set back, or an early timer). */
  onPremature?(expectedAt: number, now: number): void;
  /** The timer woke `lateMs` after the earliest entry was due (event-loop stall, sleep, clock set forward). */
  onOverdue?(expectedAt: number, now: number): void;
  /** Lateness above this is reported through onOverdue. @default 1000 */
  readonly overdueThresholdMs?: number;
}

/**
 * What the queue holds: it stamps each value with the sequence number of its entry, and an entry
 * whose value carries another stamp (removed, or pushed again) is stale. Removal is lazy, so it
 * costs O(1) and a sift never touches the values.
 */
export interface Timed {
  /** The sequence number of the value's live entry, or -1 when it is not queued. Owned by the queue. */
  timerSeq: number;
}

export class TimerQueue<T extends Timed> {
  private readonly heap = new MinHeap<T>();
  private nextSeq = 0;
  private live = 0;
  private readonly clock: Clock;
  private readonly hooks: TimerQueueHooks;
  private timer: TimerHandle | null = null;
  private armedFor = Number.POSITIVE_INFINITY;
  private running = false;
  /** True while onDue runs: pushes then re-arm once at the end, not once per task. */
  private waking = false;

  constructor(clock: Clock, hooks: TimerQueueHooks) {
    this.clock = clock;
    this.hooks = hooks;
  }

  /** Values queued. */
  get size(): number {
    return this.live;
  }

  /** Arms the timer; entries pushed before start wait until then. */
  start(): void {
    this.running = true;
    this.rearm();
  }

  stop(): void {
    this.running = false;
    this.disarm();
  }

  /** Queues `value` for `at` (a value already queued is moved). */
  push(at: number, value: T): void {
    if (value.timerSeq >= 0) this.live--;
    const seq = this.nextSeq++;
    value.timerSeq = seq;
    this.heap.push(at, seq, value);
    this.live++;
    if (this.running && !this.waking && at < this.armedFor) this.rearm();
  }

  remove(value: T): void {
    if (value.timerSeq < 0) return;
    value.timerSeq = -1;
    this.live--;
  }

  /** The earliest value if it is due at `now`, removed from the queue; else undefined. */
  popDue(now: number): T | undefined {
    if (this.earliest() > now) return undefined;
    const value = this.heap.peekValue() as T;
    this.heap.pop();
    value.timerSeq = -1;
    this.live--;
    return value;
  }

  /** The earliest live due time (stale entries on top are dropped), or Infinity. */
  private earliest(): number {
    const heap = this.heap;
    for (let top = heap.peekValue(); top !== undefined; top = heap.peekValue()) {
      if (top.timerSeq === heap.peekSeq()) return heap.peekAt();
      heap.pop();
    }
    return Number.POSITIVE_INFINITY;
  }

  /** Re-arms for the current earliest entry; call after a batch of popDue. */
  rearm(): void {
    this.disarm();
    if (!this.running) return;
    const at = this.earliest();
    if (at === Number.POSITIVE_INFINITY) return;
    const now = this.clock.now();
    const delay = Math.min(Math.max(0, at - now), MAX_TIMER_DELAY_MS);
    this.armedFor = at;
    this.timer = this.clock.setTimer(() => this.wake(), delay);
  }

  private disarm(): void {
    if (this.timer !== null) this.clock.clearTimer(this.timer);
    this.timer = null;
    this.armedFor = Number.POSITIVE_INFINITY;
  }

  private wake(): void {
    this.timer = null;
    const expected = this.armedFor;
    this.armedFor = Number.POSITIVE_INFINITY;
    const now = this.clock.now();
    const at = this.earliest();
    if (at === Number.POSITIVE_INFINITY) return;
    if (at > now) {
      // A capped wait ends early on purpose, and Node's loop clock may run up to 1 ms behind Date.now();
      // anything else means the wall clock moved back.
      if (expected === at && at - now > 1) this.hooks.onPremature?.(at, now);
      this.rearm();
      return;
    }
    if (now - at > (this.hooks.overdueThresholdMs ?? 1000)) this.hooks.onOverdue?.(at, now);
    this.waking = true;
    try {
      this.hooks.onDue(now);
    } finally {
      this.waking = false;
      this.rearm();
    }
  }
}

import type { Clock, TimerHandle } from './clock.ts';
import { type HeapEntry, MinHeap } from './min-heap.ts';

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

export class TimerQueue<T> {
  private readonly heap = new MinHeap<T>();
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

  get size(): number {
    return this.heap.size;
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

  push(at: number, value: T): HeapEntry<T> {
    const entry = this.heap.push(at, value);
    if (this.running && !this.waking && at < this.armedFor) this.rearm();
    return entry;
  }

  remove(entry: HeapEntry<T>): void {
    this.heap.remove(entry);
  }

  /** The earliest live entry if it is due at `now`, removed from the queue; else undefined. */
  popDue(now: number): HeapEntry<T> | undefined {
    const top = this.heap.peek();
    return top !== undefined && top.at <= now ? this.heap.pop() : undefined;
  }

  /** Re-arms for the current earliest entry; call after a batch of popDue. */
  rearm(): void {
    this.disarm();
    if (!this.running) return;
    const top = this.heap.peek();
    if (top === undefined) return;
    const now = this.clock.now();
    const delay = Math.min(Math.max(0, top.at - now), MAX_TIMER_DELAY_MS);
    this.armedFor = top.at;
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
    const top = this.heap.peek();
    if (top === undefined) return;
    if (top.at > now) {
      // A capped wait ends early on purpose, and Node's loop clock may run up to 1 ms behind Date.now();
      // anything else means the wall clock moved back.
      if (expected === top.at && top.at - now > 1) this.hooks.onPremature?.(top.at, now);
      this.rearm();
      return;
    }
    if (now - top.at > (this.hooks.overdueThresholdMs ?? 1000)) this.hooks.onOverdue?.(top.at, now);
    this.waking = true;
    try {
      this.hooks.onDue(now);
    } finally {
      this.waking = false;
      this.rearm();
    }
  }
}

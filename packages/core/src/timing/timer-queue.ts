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

/**
 * Values pushed one after another for the same instant, held by one heap entry (keyed by the first
 * one's sequence number). Tasks come due together in bursts (registered together, or re-planned
 * together after firing at the same cron minute); popping a run costs O(1) per value instead of a
 * sift through the heap (a burst of 10,000 from a 10,000-entry heap: 13 levels per pop, 1-5 ms of
 * the burst depending on how warm the code is). Each value keeps the sequence number it was queued
 * with beside it, so lazy removal works as in the heap.
 */
class SameInstantRun<T> {
  readonly at: number;
  readonly values: (T | undefined)[];
  readonly seqs: number[];
  /** The next index to pop. */
  head = 0;

  constructor(at: number, value: T, seq: number) {
    this.at = at;
    this.values = [value];
    this.seqs = [seq];
  }
}

export class TimerQueue<T extends Timed> {
  private readonly heap = new MinHeap<T | SameInstantRun<T>>();
  private nextSeq = 0;
  private live = 0;
  /** The instant of the latest push, and the run it joined or started while that run is in the heap. */
  private lastAt = Number.NaN;
  private lastRun: SameInstantRun<T> | null = null;
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
    this.live++;
    const run = this.lastRun;
    if (run !== null && run.at === at) {
      // Its sequence numbers stay contiguous: no other push came in between.
      run.values.push(value);
      run.seqs.push(seq);
    } else if (at === this.lastAt) {
      // The second push in a row for this instant starts a run (the first stays a single entry).
      const started = new SameInstantRun(at, value, seq);
      this.heap.push(at, seq, started);
      this.lastRun = started;
    } else {
      this.heap.push(at, seq, value);
      this.lastRun = null;
    }
    this.lastAt = at;
    if (this.running && !this.waking && at < this.armedFor) this.rearm();
  }

  remove(value: T): void {
    if (value.timerSeq < 0) return;
    value.timerSeq = -1;
    this.live--;
  }

  /** The earliest value if it is due at `now`, removed from the queue; else undefined. */
  popDue(now: number): T | undefined {
    const heap = this.heap;
    for (let top = heap.peekValue(); top !== undefined; top = heap.peekValue()) {
      if (top instanceof SameInstantRun) {
        if (top.at > now) return undefined;
        const { values, seqs } = top;
        while (top.head < values.length) {
          const i = top.head++;
          const value = values[i] as T;
          values[i] = undefined;
          if (value.timerSeq === seqs[i]) {
            if (top.head === values.length) this.dropRun(top);
            return this.taken(value);
          }
        }
        this.dropRun(top);
      } else if (top.timerSeq !== heap.peekSeq()) {
        heap.pop(); // stale: removed, or queued again since
      } else {
        if (heap.peekAt() > now) return undefined;
        heap.pop();
        return this.taken(top);
      }
    }
    return undefined;
  }

  private taken(value: T): T {
    value.timerSeq = -1;
    this.live--;
    return value;
  }

  /** The earliest live due time (stale entries on top are dropped), or Infinity. */
  private earliest(): number {
    const heap = this.heap;
    for (let top = heap.peekValue(); top !== undefined; top = heap.peekValue()) {
      if (top instanceof SameInstantRun) {
        const { values, seqs } = top;
        while (top.head < values.length && (values[top.head] as T).timerSeq !== seqs[top.head]) {
          values[top.head++] = undefined;
        }
        if (top.head < values.length) return top.at;
        this.dropRun(top);
      } else {
        if (top.timerSeq === heap.peekSeq()) return heap.peekAt();
        heap.pop();
      }
    }
    return Number.POSITIVE_INFINITY;
  }

  /** Takes the run on top of the heap out of it; nothing joins it after that. */
  private dropRun(run: SameInstantRun<T>): void {
    this.heap.pop();
    if (this.lastRun === run) this.lastRun = null;
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

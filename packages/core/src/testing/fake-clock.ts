import type { Clock, TimerHandle } from '../timing/clock.ts';

interface FakeTimer {
  readonly id: number;
  readonly at: number;
  readonly callback: () => void;
}

/** Lets pending promise callbacks (and their follow-ups) run, as a real event-loop turn would. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * A {@link Clock} that moves only when told. `advance` runs due timers in time order, letting
 * promise chains settle after each, so a test can say "a year passes" and check what fired.
 */
export class FakeClock implements Clock {
  private current: number;
  private timers: FakeTimer[] = [];
  private nextId = 1;

  constructor(start: number | Date | string) {
    this.current = typeof start === 'number' ? start : new Date(start).getTime();
  }

  now(): number {
    return this.current;
  }

  setTimer(callback: () => void, delayMs: number): TimerHandle {
    const timer: FakeTimer = { id: this.nextId++, at: this.current + Math.max(0, delayMs), callback };
    this.timers.push(timer);
    return { id: timer.id };
  }

  clearTimer(handle: TimerHandle): void {
    const id = (handle as { id?: number }).id;
    this.timers = this.timers.filter((t) => t.id !== id);
  }

  /** Timers armed and not yet run. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, running every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.current + ms);
  }

  /** Moves time forward to `instant`, running every timer that falls due on the way. */
  async advanceTo(instant: number | Date | string): Promise<void> {
    const target = typeof instant === 'number' ? instant : new Date(instant).getTime();
    await settle();
    for (;;) {
      const due = this.timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (due === undefined) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.current = Math.max(this.current, due.at);
      due.callback();
      await settle();
    }
    this.current = Math.max(this.current, target);
    await settle();
  }

  /**
   * Steps the wall clock without running timers, as NTP or a VM resume does. Pending timers keep
   * their remaining delays, because real timers wait on a monotonic clock.
   */
  jumpTo(instant: number | Date | string): void {
    const target = typeof instant === 'number' ? instant : new Date(instant).getTime();
    const delta = target - this.current;
    this.timers = this.timers.map((t) => ({ ...t, at: t.at + delta }));
    this.current = target;
  }
}

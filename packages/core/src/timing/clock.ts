/**
 * Time as a dependency. Core reads the time and arms timers only through a {@link Clock}, so tests
 * drive the Scheduler with `FakeClock` (from `@br-sdk/schedule/testing`) instead of waiting.
 */
export interface Clock {
  /** Wall-clock time in ms since the epoch (UTC); follows NTP adjustments like `Date.now()`. */
  now(): number;
  /** Calls `callback` once, when `now()` has reached the current time + `delayMs` (>= 0). */
  setTimer(callback: () => void, delayMs: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/** Opaque to callers; each clock decides what it holds. */
export type TimerHandle = object;

/** Options of {@link createSystemClock}. */
export interface SystemClockOptions {
  /**
   * Let the process exit while only this clock's timers are pending (Node's `timer.unref()`).
   * @default false
   */
  readonly unref?: boolean;
  /**
   * The last part of each wait, in ms, spent polling `Date.now()` on `setImmediate` instead of
   * sleeping. Node's timers have 1 ms granularity and often fire 1-2 ms late; polling the final
   * stretch lands a fire within microseconds of its time, for at most this much CPU per wake.
   * 0 turns polling off.
   * @default 2
   */
  readonly pollMs?: number;
}

interface SystemTimer {
  timeout: ReturnType<typeof setTimeout> | null;
  immediate: ReturnType<typeof setImmediate> | null;
}

/** The real clock: `Date.now()` and Node timers, finishing each wait precisely (see `pollMs`). */
export function createSystemClock(options: SystemClockOptions = {}): Clock {
  const pollMs = options.pollMs ?? 2;
  const unref = options.unref ?? false;
  return {
    now: Date.now,
    setTimer(callback, delayMs) {
      const timer: SystemTimer = { timeout: null, immediate: null };
      const due = Date.now() + delayMs;
      const poll = () => {
        if (Date.now() >= due) {
          timer.immediate = null;
          callback();
          return;
        }
        timer.immediate = setImmediate(poll);
        if (unref) timer.immediate.unref();
      };
      const sleep = pollMs > 0 ? delayMs - pollMs : delayMs;
      if (sleep > 0 || pollMs === 0) {
        timer.timeout = setTimeout(
          () => {
            timer.timeout = null;
            poll();
          },
          Math.max(0, sleep),
        );
        if (unref) timer.timeout.unref();
      } else {
        timer.immediate = setImmediate(poll);
        if (unref) timer.immediate.unref();
      }
      return timer;
    },
    clearTimer(handle) {
      const timer = handle as SystemTimer;
      if (timer.timeout !== null) clearTimeout(timer.timeout);
      if (timer.immediate !== null) clearImmediate(timer.immediate);
      timer.timeout = null;
      timer.immediate = null;
    },
  };
}

export const systemClock: Clock = createSystemClock();

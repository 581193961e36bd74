/**
 * The wait before reconnect attempt `attempt` (0 for the first), in ms: "full jitter", a uniform
 * draw from 0 to min(maxMs, initialMs × 2^attempt). Jitter keeps many clients that lost the same
 * broker from reconnecting in lockstep when it comes back.
 */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 32));
  return Math.floor(random() * ceiling);
}

/** Waits `ms`, or less if `signal` aborts first; never rejects. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

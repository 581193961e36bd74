import { describe, expect, it } from 'vitest';
import { backoffDelay, sleep } from '../src/backoff.ts';

describe('backoffDelay: full jitter', () => {
  it('draws from 0 up to a ceiling that doubles from initialDelayMs and stops at maxDelayMs', () => {
    const top = () => 0.999_999;
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((attempt) => backoffDelay(attempt, 100, 5000, top))).toEqual([
      99, 199, 399, 799, 1599, 3199, 4999, 4999,
    ]);
    expect(backoffDelay(3, 100, 5000, () => 0)).toBe(0);
    expect(backoffDelay(3, 100, 5000, () => 0.5)).toBe(400);
  });

  it('stays finite for any attempt count', () => {
    expect(backoffDelay(10_000, 100, 5000, () => 0.999_999)).toBe(4999);
  });
});

describe('sleep', () => {
  it('ends early, without rejecting, when the signal aborts', async () => {
    const controller = new AbortController();
    const slept = sleep(3_600_000, controller.signal);
    controller.abort();
    await expect(slept).resolves.toBeUndefined();
    await expect(sleep(3_600_000, controller.signal)).resolves.toBeUndefined();
  });
});

import type { ExecutionOutcome } from '../executor/executor.ts';
import type { TaskPolicies } from './task.ts';

/** The longest wait a Retry-After can ask for; beyond it the server is taken to mean "much later". */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * The wait before attempt `attempt + 1`, or -1 when the run should not be tried again.
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"):
 * uniform in [0, min(cap, base × 2^(attempt-1))], so retries from many tasks spread out instead of
 * arriving together. A Retry-After from the target is honoured as a lower bound.
 */
export function retryDelay(
  attempt: number,
  outcome: ExecutionOutcome,
  policy: TaskPolicies['retry'],
  random: () => number = Math.random,
): number {
  if (outcome.status === 'success' || outcome.retryable !== true || attempt >= policy.max_attempts) return -1;
  const ceiling = Math.min(policy.backoff_cap_ms, policy.backoff_base_ms * 2 ** (attempt - 1));
  const jittered = Math.floor(random() * ceiling);
  const asked = outcome.retry_after_ms === undefined ? 0 : Math.min(outcome.retry_after_ms, MAX_RETRY_AFTER_MS);
  return Math.max(jittered, asked);
}

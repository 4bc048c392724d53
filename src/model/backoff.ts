/**
 * Retry backoff: how long to wait before attempt n + 1 after attempt n failed. Pure, with the
 * random source passed in so tests can pin it.
 */

/** How a task type spaces its retries. */
export interface Backoff {
  /** `fixed`: always `delayMs`; `exponential`: `delayMs · 2^(attempt − 1)`. */
  type: 'fixed' | 'exponential';
  delayMs: number;
  /** Upper bound of any one delay (before jitter is taken off). */
  maxDelayMs?: number;
  /**
   * Fraction (0 to 1) of the delay that is randomised away, so that many tasks failing together
   * (a dependency went down) do not all come back at the same instant.
   */
  jitter?: number;
}

/** The delay before the attempt after `attempt` (1-based) failed. */
export function retryDelayMs(backoff: Backoff, attempt: number, random: () => number = Math.random): number {
  const raw = backoff.type === 'fixed' ? backoff.delayMs : backoff.delayMs * 2 ** Math.max(0, attempt - 1);
  const capped = Math.min(raw, backoff.maxDelayMs ?? Number.POSITIVE_INFINITY);
  const jitter = Math.min(Math.max(backoff.jitter ?? 0, 0), 1);
  return Math.round(capped * (1 - jitter * random()));
}

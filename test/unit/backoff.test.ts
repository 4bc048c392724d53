import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../../src/model/backoff.ts';

describe('retry backoff', () => {
  it('is constant when fixed', () => {
    expect([1, 2, 5].map((n) => retryDelayMs({ type: 'fixed', delayMs: 300 }, n))).toEqual([300, 300, 300]);
  });

  it('doubles when exponential, up to its cap', () => {
    const backoff = { type: 'exponential', delayMs: 100, maxDelayMs: 500 } as const;
    expect([1, 2, 3, 4, 10].map((n) => retryDelayMs(backoff, n))).toEqual([100, 200, 400, 500, 500]);
  });

  it('takes up to the jitter fraction off', () => {
    const backoff = { type: 'fixed', delayMs: 1000, jitter: 0.25 } as const;
    expect(retryDelayMs(backoff, 1, () => 0)).toBe(1000);
    expect(retryDelayMs(backoff, 1, () => 0.5)).toBe(875);
    expect(retryDelayMs(backoff, 1, () => 0.999)).toBe(750);
  });
});

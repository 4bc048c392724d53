/** Small statistics for benchmark samples: medians of rounds, percentiles of latencies. */

/** The `p`-th percentile (0–100) of `values`, nearest-rank on a sorted copy; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** The median of `values` (the 50th percentile); NaN when empty. */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Latency percentiles of one run, in milliseconds. */
export interface Latency {
  p50: number;
  p95: number;
  p99: number;
  /** How many samples they come from. */
  n: number;
}

/** p50 / p95 / p99 of `samples` (milliseconds). */
export function latency(samples: readonly number[]): Latency {
  return { p50: percentile(samples, 50), p95: percentile(samples, 95), p99: percentile(samples, 99), n: samples.length };
}

/** Per field, the median over rounds: what a scenario reports from its alternated rounds. */
export function medianOf<T extends { [K in keyof T]: number }>(rounds: readonly T[]): T {
  const first = rounds[0];
  if (!first) throw new Error('medianOf: no rounds');
  const keys = Object.keys(first) as (keyof T)[];
  return Object.fromEntries(keys.map((key) => [key, median(rounds.map((r) => r[key]))])) as T;
}

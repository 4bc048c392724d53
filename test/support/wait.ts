/**
 * Waiting in tests for a condition no event announces (a row deleted by a scheduled job, a
 * server-side watcher registered), with a bound and a failure that says what never happened.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** How long {@link waitUntil} waits, and how often it looks. */
export interface WaitOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** Look again this long after the previous look ended (default 50 ms). */
  everyMs?: number;
}

/**
 * Resolves once `condition` holds; rejects with "timed out after … waiting until <what>" when it
 * still does not after `timeoutMs`, or with the condition's own error when checking it throws.
 *
 * @param what the awaited state, phrased to follow "waiting until", e.g. "the cleanup deleted the task"
 */
export async function waitUntil(
  what: string,
  condition: () => boolean | Promise<boolean>,
  { timeoutMs = 10_000, everyMs = 50 }: WaitOptions = {},
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await sleep(everyMs);
  }
}

/** `promise`, or an error saying what did not happen within `ms`. */
export async function within<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting until ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

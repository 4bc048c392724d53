/**
 * Graceful shutdown on SIGTERM or SIGINT: run the process's stop function once, then exit.
 *
 * One request to stop often arrives as several signals within milliseconds: a terminal's Ctrl-C
 * goes to the whole foreground process group, and the processes above this one (`npm run`,
 * `node --watch`, `scripts/dev.ts`) forward what they received as well. Signals within
 * {@link REPEAT_WINDOW_MS} of the first are that same request, and the stop carries on. A signal
 * after that is the operator asking again because the stop is taking too long: the process exits
 * at once. So does a stop that has not finished within its deadline (a server that is gone can
 * keep a client's close waiting for ever).
 */
import type { Logger } from './logger.ts';

/** How long after the first signal further ones are taken as the same request to stop. */
export const REPEAT_WINDOW_MS = 1000;

/** What a signal means: the request to stop, the same request again, or a demand to exit now. */
export type SignalMeaning = 'stop' | 'repeat' | 'force';

/**
 * Reads each signal of a process as it arrives, at `at` (milliseconds on any monotonic clock):
 * the first is `stop`; any within `windowMs` of the first, `repeat`; any later, `force`.
 */
export function signalReader(windowMs = REPEAT_WINDOW_MS): (at: number) => SignalMeaning {
  let first: number | null = null;
  return (at) => {
    if (first === null) {
      first = at;
      return 'stop';
    }
    return at - first <= windowMs ? 'repeat' : 'force';
  };
}

/**
 * Run `stop` on the first SIGTERM or SIGINT and exit 0 when it resolves (1 when it rejects or
 * has not settled within `deadlineMs`); a signal after the repeat window exits 1 at once.
 */
export function onShutdown(logger: Logger, stop: () => Promise<void>, deadlineMs = 30_000): void {
  const read = signalReader();
  const handle = (signal: NodeJS.Signals) => {
    const meaning = read(performance.now());
    if (meaning === 'repeat') {
      logger.debug({ signal }, 'the same request to stop, by another route: still shutting down');
      return;
    }
    if (meaning === 'force') {
      logger.warn({ signal }, 'asked again to stop: exiting now, without finishing the shutdown');
      process.exit(1);
    }
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error({ deadlineMs }, 'shutdown did not finish in time: exiting');
      process.exit(1);
    }, deadlineMs).unref();
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
}

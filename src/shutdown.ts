/**
 * Graceful shutdown on SIGTERM or SIGINT: run the process's stop function once, then exit. A
 * second signal exits at once, for when the first one is taking too long for the operator; and
 * so does a stop that has not finished within `deadlineMs` (a server that is gone can keep a
 * client's close waiting for ever).
 */
import type { Logger } from './logger.ts';

export function onShutdown(logger: Logger, stop: () => Promise<void>, deadlineMs = 30_000): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
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

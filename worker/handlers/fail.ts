import { fail } from '../../src/tasks/builtin/fail.ts';
import { defineHandler, NonRetryableError } from '../handler.ts';

/**
 * `fail` throws on attempts 1 … `failAttempts` (every attempt when it is absent), then succeeds;
 * each attempt says in the task's log what it does (a WARN before failing, an INFO before succeeding).
 */
export const failHandler = defineHandler(fail, ({ message, failAttempts, retryable }, { attempt, log }) => {
  if (failAttempts === undefined || attempt <= failAttempts) {
    log.warn(`attempt ${attempt} fails: ${message}`, { retryable });
    throw retryable ? new Error(message) : new NonRetryableError(message);
  }
  log.info(`attempt ${attempt} succeeds`);
  return { attempt };
});

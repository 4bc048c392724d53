import { fail } from '../../src/tasks/builtin/fail.ts';
import { defineHandler, NonRetryableError } from '../handler.ts';

/** `fail` throws on attempts 1 … `failAttempts` (every attempt when it is absent), then succeeds. */
export const failHandler = defineHandler(fail, ({ message, failAttempts, retryable }, { attempt }) => {
  if (failAttempts === undefined || attempt <= failAttempts) {
    throw retryable ? new Error(message) : new NonRetryableError(message);
  }
  return { attempt };
});

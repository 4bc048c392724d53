/**
 * The keys a new task's flow-control limits count it under, made at enqueue: from the enqueue's
 * `concurrencyKey` when given, else from the type's key functions. Made at enqueue (not when a
 * worker takes the task) so a key function that throws or returns no key is BAD_USER_INPUT
 * before anything is stored, and the key is visible on the task (`Task.concurrencyKey`).
 */
import { InvalidInputError } from '../errors.ts';
import { evaluateKey, type LimitKey } from '../model/limits.ts';
import type { Task } from '../model/task.ts';
import type { AnyTaskType } from './task-type.ts';

/** `concurrencyKey` and `rateLimitKey` of a task of `type` with parsed `input`; problems named from `path`. */
export function limitKeysOf(
  type: AnyTaskType,
  input: unknown,
  owner: string,
  override: string | null,
  path: string,
): Pick<Task, 'concurrencyKey' | 'rateLimitKey'> {
  const keyOf = (limit: 'concurrency' | 'rateLimit', keyFn: LimitKey<unknown> | null | undefined): string | null => {
    if (override !== null) return override;
    if (!keyFn) return null;
    const made = evaluateKey(keyFn, input, owner);
    if (!made.ok) throw new InvalidInputError(`${path}.input: the ${limit} key of task type "${type.name}" could not be made: ${made.message}`);
    return made.key;
  };
  // The enqueue's key is shown even when the type has no limit it could count under.
  return { concurrencyKey: override ?? keyOf('concurrency', type.concurrency?.key), rateLimitKey: keyOf('rateLimit', type.rateLimit?.key) };
}

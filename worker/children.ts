/**
 * The handler's side of children: `ctx.spawn`, numbering each call of the attempt (the number is
 * what makes a retried attempt find the children it spawned before), and `ctx.waitForChildren()`.
 */
import { InvalidInputError } from '../src/errors.ts';
import type { SpawnRequest } from '../src/service/child-service.ts';
import { WaitForChildren, type SpawnedChild, type SpawnOptions, type TaskContext } from './handler.ts';

/** Stores and queues child number `index` of the running task; resolves with the child's id. */
export type ChildSpawner = (index: number, request: SpawnRequest) => Promise<string>;

/** What `ctx.spawn` throws when the child is refused (unknown type, invalid input or options): trying again cannot help. */
export class SpawnRefusedError extends Error {
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'SpawnRefusedError';
  }
}

/** One attempt's `spawn` and `waitForChildren`, and what became of its spawns. */
export interface AttemptChildren {
  spawn: TaskContext['spawn'];
  waitForChildren: TaskContext['waitForChildren'];
  /** Once every spawn called so far has settled: the first error one threw, or null. */
  settled(): Promise<unknown>;
}

/**
 * The children side of one attempt's context. `usable` throws when spawning is no longer allowed
 * (the attempt ended, or was stopped); without a `spawner`, every spawn is refused.
 */
export function attemptChildren(spawner: ChildSpawner | undefined, usable: (what: string) => void): AttemptChildren {
  let calls = 0;
  const spawns: Promise<SpawnedChild>[] = [];
  const spawn = (type: string, input?: unknown, options: SpawnOptions = {}): Promise<SpawnedChild> => {
    usable('spawn');
    const index = calls++;
    const spawned = (async () => {
      if (!spawner) throw new SpawnRefusedError('spawn: this attempt cannot spawn children');
      try {
        return { id: await spawner(index, { ...options, type, input: input ?? {} }) };
      } catch (error) {
        if (error instanceof InvalidInputError) throw new SpawnRefusedError(error.message);
        throw error;
      }
    })();
    // Settled by `settled` whether or not the handler awaits it: an ignored refusal must not crash the worker.
    spawned.catch(() => {});
    spawns.push(spawned);
    return spawned;
  };
  return {
    spawn,
    waitForChildren: () => new WaitForChildren(),
    async settled() {
      const results = await Promise.allSettled(spawns);
      const failed = results.find((r) => r.status === 'rejected');
      return failed ? (failed.reason as unknown) : null;
    },
  };
}

/**
 * Clients enqueueing while something breaks: a steady stream of `enqueueTask` calls, bounded in
 * time and count, that keeps every accepted task id and every refusal (its code and how long the
 * answer took).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { EnqueueTaskDocument, type EnqueueTaskInput } from '../../../schema/generated/graphql.ts';
import type { TestClient } from '../../support/graphql-client.ts';

/** An `enqueueTask` that was not accepted. */
export interface Refusal {
  code: string;
  ms: number;
}

/** What a stream of enqueues led to. */
export interface Traffic {
  /** Ids of accepted tasks, in order. */
  accepted: string[];
  refused: Refusal[];
  /** Resolves once the stream has ended (stop called, or its time or count is up). */
  done: Promise<void>;
  /** End the stream after the call under way; resolves with `done`. */
  stop(): Promise<void>;
}

/** The built-in tasks of a mixed stream: quick successes, progress, and one retry that succeeds. */
export function mixedTask(i: number): EnqueueTaskInput {
  switch (i % 4) {
    case 0:
      return { type: 'echo', input: { i } };
    case 1:
      return { type: 'sleep', input: { ms: 800, steps: 4 } };
    case 2:
      return { type: 'fail', input: { failAttempts: 1 }, maxAttempts: 2 };
    default:
      return { type: 'sleep', input: { ms: 200, steps: 2 }, delayMs: 300 };
  }
}

/**
 * Enqueue `task(i)` through `client` every `everyMs`, for at most `maxMs` and `maxCount` tasks.
 * `onAccepted` sees each accepted id at once (to subscribe to it).
 */
export function enqueueSteadily(
  client: TestClient,
  options: { everyMs: number; maxMs: number; maxCount: number; task: (i: number) => EnqueueTaskInput; onAccepted?: (id: string) => void },
): Traffic {
  const accepted: string[] = [];
  const refused: Refusal[] = [];
  let stopped = false;
  const done = (async () => {
    const deadline = Date.now() + options.maxMs;
    for (let i = 0; i < options.maxCount && !stopped && Date.now() < deadline; i++) {
      const started = performance.now();
      try {
        const result = await client.request(EnqueueTaskDocument, { input: options.task(i) });
        const id = result.data?.enqueueTask.task.id;
        if (id) {
          accepted.push(id);
          options.onAccepted?.(id);
        } else {
          const code = result.errors?.[0]?.extensions?.['code'];
          refused.push({ code: typeof code === 'string' ? code : 'no code', ms: performance.now() - started });
        }
      } catch (error) {
        refused.push({ code: `no answer: ${(error as Error).message}`, ms: performance.now() - started });
      }
      await sleep(options.everyMs);
    }
  })();
  return {
    accepted,
    refused,
    done,
    stop: () => {
      stopped = true;
      return done;
    },
  };
}

/**
 * Children (`ctx.spawn`, `ctx.waitForChildren()`): pure rules, no I/O. What a parent waiting for
 * its children does once they are all final — succeed with their outcomes, or fail because one
 * whose failure fails its parent did not succeed — and the result it then has.
 */
import { isFinalState, type Task, type TaskError } from './task.ts';

/** A child as the decision sees it. */
export type ChildState = Pick<Task, 'id' | 'type' | 'state' | 'result' | 'error' | 'childIndex' | 'failParentOnChildFailure'>;

/** How one child ended, as its parent's result lists it. */
export interface ChildOutcome {
  id: string;
  type: string;
  state: Task['state'];
  /** What its handler returned; null unless it SUCCEEDED. */
  result: unknown;
  error: TaskError | null;
}

/** A parent's result: its children's outcomes, in spawn order. */
export interface ChildrenResult {
  children: ChildOutcome[];
}

/** The error name of a parent that FAILED because a child with `failParentOnChildFailure` did not succeed. */
export const CHILD_FAILED = 'ChildFailedError';

/** What a parent waiting for its children does next. */
export type ChildrenVerdict =
  | { kind: 'wait' }
  | { kind: 'succeed'; result: ChildrenResult }
  | { kind: 'fail'; error: TaskError };

/** `children` in spawn order (the index of their `ctx.spawn` call, then id for a stable order). */
export function inSpawnOrder<T extends Pick<Task, 'id' | 'childIndex'>>(children: readonly T[]): T[] {
  return [...children].sort((a, b) => (a.childIndex ?? 0) - (b.childIndex ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * The decision for a parent waiting for `children`: wait while any is unfinished; then FAILED
 * when one with `failParentOnChildFailure` FAILED or was CANCELLED (the error names the first such
 * in spawn order), else SUCCEEDED with every child's outcome. No children: SUCCEEDED at once.
 */
export function childrenVerdict(children: readonly ChildState[]): ChildrenVerdict {
  if (children.some((c) => !isFinalState(c.state))) return { kind: 'wait' };
  const ordered = inSpawnOrder(children);
  const failing = ordered.find((c) => c.failParentOnChildFailure && c.state !== 'SUCCEEDED');
  if (failing) {
    const why = failing.error ? `: ${failing.error.name}: ${failing.error.message}` : '';
    return {
      kind: 'fail',
      error: {
        name: CHILD_FAILED,
        message: `child ${failing.childIndex ?? '?'} (task ${failing.id}, type "${failing.type}") is ${failing.state}${why}`,
        stack: null,
        retryable: false,
      },
    };
  }
  return {
    kind: 'succeed',
    result: { children: ordered.map(({ id, type, state, result, error }) => ({ id, type, state, result: state === 'SUCCEEDED' ? result : null, error })) },
  };
}

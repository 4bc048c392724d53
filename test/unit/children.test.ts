/**
 * What a parent waiting for its children does once they end (`childrenVerdict`): wait while one is
 * unfinished, then SUCCEEDED with every outcome in spawn order, or FAILED naming the first child
 * spawned with failParentOnChildFailure that did not succeed.
 */
import { describe, expect, it } from 'vitest';
import { childrenVerdict, type ChildState } from '../../src/model/children.ts';

const child = (index: number, state: ChildState['state'], extra: Partial<ChildState> = {}): ChildState => ({
  id: `c${index}`,
  type: 'echo',
  state,
  result: state === 'SUCCEEDED' ? { index } : null,
  error: state === 'FAILED' ? { name: 'Error', message: 'boom', stack: null, retryable: false } : null,
  childIndex: index,
  failParentOnChildFailure: false,
  ...extra,
});

describe('childrenVerdict', () => {
  it('succeeds at once without children', () => {
    expect(childrenVerdict([])).toEqual({ kind: 'succeed', result: { children: [] } });
  });

  it('waits while any child is unfinished', () => {
    expect(childrenVerdict([child(0, 'SUCCEEDED'), child(1, 'RUNNING'), child(2, 'WAITING')])).toEqual({ kind: 'wait' });
  });

  it('lists every outcome in spawn order, a failure without the flag included', () => {
    const verdict = childrenVerdict([child(1, 'FAILED'), child(0, 'SUCCEEDED'), child(2, 'CANCELLED')]);
    expect(verdict).toEqual({
      kind: 'succeed',
      result: {
        children: [
          { id: 'c0', type: 'echo', state: 'SUCCEEDED', result: { index: 0 }, error: null },
          { id: 'c1', type: 'echo', state: 'FAILED', result: null, error: { name: 'Error', message: 'boom', stack: null, retryable: false } },
          { id: 'c2', type: 'echo', state: 'CANCELLED', result: null, error: null },
        ],
      },
    });
  });

  it('fails naming the first child in spawn order whose failure fails its parent', () => {
    const verdict = childrenVerdict([
      child(2, 'CANCELLED', { failParentOnChildFailure: true }),
      child(1, 'FAILED', { failParentOnChildFailure: true }),
      child(0, 'FAILED'),
    ]);
    expect(verdict).toMatchObject({ kind: 'fail', error: { name: 'ChildFailedError', retryable: false } });
    expect(verdict.kind === 'fail' && verdict.error.message).toBe('child 1 (task c1, type "echo") is FAILED: Error: boom');
  });
});

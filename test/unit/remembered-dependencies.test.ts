import { describe, expect, it } from 'vitest';
import { RememberedDependencies } from '../../src/service/remembered-dependencies.ts';

/** An `isUnfinished` over a set the test changes, recording what it was asked. */
function lookups(unfinished: Set<string>) {
  const asked: string[] = [];
  const isUnfinished = (id: string) => {
    asked.push(id);
    return Promise.resolve(unfinished.has(id));
  };
  return { asked, isUnfinished };
}

describe('remembered dependencies', () => {
  it('tells nothing of a task it has not been told of', async () => {
    const remembered = new RememberedDependencies(10);
    const { asked, isUnfinished } = lookups(new Set());
    expect(await remembered.anyUnfinished('join', 'a', isUnfinished)).toBeUndefined();
    expect(remembered.allEnded('join')).toBe(false);
    expect(asked).toEqual([]);
  });

  it('looks up remembered dependencies in turn until one is unfinished, forgetting those that ended', async () => {
    const remembered = new RememberedDependencies(10);
    const running = new Set(['b', 'c', 'd']);
    const { asked, isUnfinished } = lookups(running);
    remembered.remember('join', ['a', 'b', 'c', 'd'], true);
    // a just ended; b is still running: one lookup.
    expect(await remembered.anyUnfinished('join', 'a', isUnfinished)).toBe(true);
    expect(asked).toEqual(['b']);
    // b and c end elsewhere; d's end asks b and c once each, then finds nothing left.
    running.clear();
    expect(await remembered.anyUnfinished('join', 'd', isUnfinished)).toBe(false);
    expect(asked).toEqual(['b', 'b', 'c']);
    expect(remembered.allEnded('join')).toBe(true);
    // Forgotten once decided.
    remembered.forget('join');
    expect(remembered.allEnded('join')).toBe(false);
  });

  it('does not call all ended what was only the first of more', async () => {
    const remembered = new RememberedDependencies(10);
    const { isUnfinished } = lookups(new Set());
    remembered.remember('join', ['a'], false);
    expect(await remembered.anyUnfinished('join', 'a', isUnfinished)).toBe(false);
    expect(remembered.allEnded('join')).toBe(false);
  });

  it('keeps at most its capacity of tasks, dropping the oldest hint first', async () => {
    const remembered = new RememberedDependencies(2);
    const { isUnfinished } = lookups(new Set(['x']));
    remembered.remember('one', ['x'], true);
    remembered.remember('two', ['x'], true);
    remembered.remember('one', ['x'], true); // replaced: now the newest
    remembered.remember('three', ['x'], true);
    expect(await remembered.anyUnfinished('two', 'y', isUnfinished)).toBeUndefined();
    expect(await remembered.anyUnfinished('one', 'y', isUnfinished)).toBe(true);
    expect(await remembered.anyUnfinished('three', 'y', isUnfinished)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { CoalescedPasses } from '../../src/service/coalesced-passes.ts';

/** Settle the promises already under way, failing (rather than hanging) when `ready` never holds. */
async function settleUntil(ready: () => boolean, what: string): Promise<void> {
  for (let turn = 0; !ready(); turn++) {
    if (turn > 1_000) throw new Error(`${what} never happened`);
    await Promise.resolve();
  }
}

/**
 * Passes the test ends by hand, counting how many began; the n-th pass (from 1) settles as
 * `outcome(n)` says: rejecting when it is an Error, else resolving with it.
 */
function gatedPasses<T = void>(outcome: (n: number) => T | Error = () => undefined as T) {
  const ends: (() => void)[] = [];
  let began = 0;
  const pass = () => {
    const n = ++began;
    return new Promise<T>((resolve, reject) =>
      ends.push(() => {
        const result = outcome(n);
        if (result instanceof Error) reject(result);
        else resolve(result);
      }),
    );
  };
  const endNext = async () => {
    await settleUntil(() => ends.length > 0, 'a pass');
    ends.shift()!();
  };
  return { pass, endNext, began: () => began };
}

describe('coalesced passes', () => {
  it('runs one more pass for all the calls made while one runs, and resolves them with it', async () => {
    const passes = new CoalescedPasses();
    const { pass, endNext, began } = gatedPasses();
    const resolved: number[] = [];
    const first = passes.run('flow', pass).then(() => resolved.push(1));
    const joined = [2, 3, 4].map((n) => passes.run('flow', pass).then(() => resolved.push(n)));
    expect(began()).toBe(1);
    await endNext();
    await endNext();
    await Promise.all([first, ...joined]);
    expect(began()).toBe(2);
    expect(resolved.sort()).toEqual([1, 2, 3, 4]);
  });

  it('resolves a call with the pass after it, not with the last of a chain that calls keep extending', async () => {
    const passes = new CoalescedPasses();
    const { pass, endNext, began } = gatedPasses();
    const resolved: string[] = [];
    const a = passes.run('flow', pass).then(() => resolved.push('a'));
    void passes.run('flow', pass).then(() => resolved.push('b'));
    await endNext();
    await a;
    await settleUntil(() => began() === 2, 'the second pass');
    const c = passes.run('flow', pass).then(() => resolved.push('c'));
    await endNext();
    await settleUntil(() => resolved.includes('b'), 'b resolving before the third pass ends');
    expect(resolved).toEqual(['a', 'b']);
    expect(began()).toBe(3);
    await endNext();
    await c;
    expect(resolved).toEqual(['a', 'b', 'c']);
  });

  it('gives each call the result of its own pass, and rejects only the calls whose pass failed', async () => {
    const passes = new CoalescedPasses<number>();
    const { pass, endNext, began } = gatedPasses((n) => (n === 2 ? new Error('store down') : n));
    const first = passes.run('a', pass);
    const second = passes.run('a', pass);
    let secondFailure: unknown;
    second.catch((error: unknown) => (secondFailure = error));
    await endNext();
    expect(await first).toBe(1);
    await settleUntil(() => began() === 2, 'the second pass');
    const third = passes.run('a', pass);
    await endNext();
    await settleUntil(() => secondFailure !== undefined, 'the second call rejecting before the third pass ends');
    expect(secondFailure).toEqual(new Error('store down'));
    await endNext();
    expect(await third).toBe(3);
  });

  it('runs the passes of different keys side by side, and starts afresh once a key is idle', async () => {
    const passes = new CoalescedPasses();
    const { pass, endNext, began } = gatedPasses();
    const a = passes.run('a', pass);
    const b = passes.run('b', pass);
    expect(began()).toBe(2);
    await endNext();
    await endNext();
    await Promise.all([a, b]);
    const again = passes.run('a', pass);
    expect(began()).toBe(3);
    await endNext();
    await again;
  });

  it('rejects the calls of a pass that failed, and runs the next call anew', async () => {
    const passes = new CoalescedPasses();
    await expect(passes.run('a', () => Promise.reject(new Error('store down')))).rejects.toThrow('store down');
    await expect(
      passes.run('a', () => {
        throw new Error('thrown before a promise');
      }),
    ).rejects.toThrow('thrown before a promise');
    let ran = false;
    await passes.run('a', async () => {
      ran = true;
    });
    expect(ran).toBe(true);
  });
});

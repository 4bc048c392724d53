import { describe, expect, it } from 'vitest';
import { CoalescedPasses } from '../../src/service/coalesced-passes.ts';

/** A pass the test ends by hand, counting how many began. */
function gatedPasses() {
  const ends: (() => void)[] = [];
  let began = 0;
  const pass = () => {
    began++;
    return new Promise<void>((resolve) => ends.push(resolve));
  };
  const endNext = async () => {
    while (ends.length === 0) await Promise.resolve();
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
    let ran = false;
    await passes.run('a', async () => {
      ran = true;
    });
    expect(ran).toBe(true);
  });
});

import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { gatheredPerTurn } from '../../src/gathered-calls.ts';

describe('gatheredPerTurn', () => {
  it('answers the calls of one turn with one batch, each from its index, up to the batch limit', async () => {
    const batches: number[][] = [];
    const double = gatheredPerTurn<number, number>(async (items) => {
      batches.push([...items]);
      return items.map((n) => (n < 0 ? new Error(`negative: ${n}`) : n * 2));
    }, 3);

    const answers = await Promise.allSettled([1, 2, -3, 4].map(double));
    expect(answers).toEqual([
      { status: 'fulfilled', value: 2 },
      { status: 'fulfilled', value: 4 },
      { status: 'rejected', reason: new Error('negative: -3') },
      { status: 'fulfilled', value: 8 },
    ]);
    expect(batches).toEqual([[1, 2, -3], [4]]);

    const first = double(5);
    await nextTurn();
    await Promise.all([first, double(6)]);
    expect(batches.slice(2)).toEqual([[5], [6]]);
  });

  it('rejects every call of the batch with what the batch throws', async () => {
    const failing = gatheredPerTurn<string, string>(() => Promise.reject(new Error('Redis is away')), 10);
    const answers = await Promise.allSettled(['a', 'b'].map(failing));
    expect(answers.map((a) => a.status === 'rejected' && (a.reason as Error).message)).toEqual(['Redis is away', 'Redis is away']);
  });
});

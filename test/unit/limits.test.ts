/** Flow control's declarations and keys: what a task type may declare, and what its key functions make. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { evaluateKey, limitScopesOf } from '../../src/model/limits.ts';
import { defineTaskType } from '../../src/tasks/task-type.ts';

const declare = (limits: object) => () => defineTaskType({ name: 'limited', input: z.object({}), ...limits });

describe('declaring limits', () => {
  it.each([0, -1, 1.5, Number.NaN])('refuses concurrency.limit %s', (limit) => {
    expect(declare({ concurrency: { limit } })).toThrow(/task type "limited": concurrency limit must be a whole number of at least 1/);
  });

  it.each([
    [{ max: 0, perMs: 1000 }, /rateLimit.max must be a whole number of at least 1, got 0/],
    [{ max: -3, perMs: 1000 }, /rateLimit.max/],
    [{ max: 5, perMs: 9 }, /rateLimit.perMs must be a whole number of at least 10, got 9/],
    [{ max: 5, perMs: 0 }, /rateLimit.perMs/],
  ])('refuses rateLimit %o', (rateLimit, message) => {
    expect(declare({ rateLimit })).toThrow(message);
  });

  it('keeps valid limits and their keys', () => {
    const key = (input: { tenant: string }) => input.tenant;
    const type = defineTaskType({ name: 'export', input: z.object({ tenant: z.string() }), concurrency: { limit: 2, key }, rateLimit: { max: 5, perMs: 10 } });
    expect(type.concurrency).toEqual({ limit: 2, key });
    expect(type.rateLimit).toEqual({ max: 5, perMs: 10, key: null });
  });
});

describe('key functions', () => {
  it('makes the key from input and owner', () => {
    expect(evaluateKey((input: { t: string }, owner) => `${owner}/${input.t}`, { t: 'a' }, 'alice')).toEqual({ ok: true, key: 'alice/a' });
  });

  it('says so when the function throws, or returns no valid key', () => {
    expect(evaluateKey(() => { throw new Error('no tenant'); }, {}, 'o')).toEqual({ ok: false, message: 'its key function threw: no tenant' });
    const notString = evaluateKey(() => 42 as unknown as string, {}, 'o');
    expect(!notString.ok && notString.message).toContain('must be a string, got number');
    const tooLong = evaluateKey(() => 'x'.repeat(257), {}, 'o');
    expect(!tooLong.ok && tooLong.message).toContain('1 to 256 characters, got 257');
  });
});

describe('scopes', () => {
  it('counts a task per type and key, concurrency first', () => {
    const task = { type: 'export', concurrencyKey: 'acme', rateLimitKey: null };
    expect(limitScopesOf(task, { concurrency: { limit: 2 }, rateLimit: { max: 5, perMs: 1000 } })).toEqual([
      { kind: 'concurrency', name: 'c:["export","acme"]', cap: 2, perMs: null },
      { kind: 'rate', name: 'r:["export",null]', cap: 5, perMs: 1000 },
    ]);
    expect(limitScopesOf(task, { concurrency: null, rateLimit: null })).toEqual([]);
  });

  it('never lets a key make another scope by containing a separator', () => {
    const a = limitScopesOf({ type: 'a:b', concurrencyKey: 'c', rateLimitKey: null }, { concurrency: { limit: 1 }, rateLimit: null });
    const b = limitScopesOf({ type: 'a', concurrencyKey: 'b:c', rateLimitKey: null }, { concurrency: { limit: 1 }, rateLimit: null });
    expect(a[0]!.name).not.toBe(b[0]!.name);
  });
});

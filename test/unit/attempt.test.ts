import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTask } from '../../src/model/state-machine.ts';
import { runAttempt, toTaskError } from '../../worker/attempt.ts';
import { NonRetryableError, type AnyTaskHandler } from '../../worker/handler.ts';
import { testTaskType } from '../support/task-types.ts';

const logger = pino({ level: 'silent' });
const task = (input: unknown) =>
  ({
    ...createTask(
      { id: 't', type: 'x', queue: 'default', input, maxAttempts: 1, priority: 0, tags: [], idempotencyKey: null, owner: 'o', runAt: null, resultTtlSeconds: 0 },
      new Date(),
    ).task,
    attempt: 1,
  });
const run = (type: AnyTaskHandler, input: unknown = {}, cancelled = new AbortController().signal) =>
  runAttempt(type, task(input), { progress: () => {}, metadata: () => {}, logger, cancelled, cancelGraceMs: 100 });
const typeWith = (handler: AnyTaskHandler['run'], extra: { timeoutMs?: number; result?: z.ZodType } = {}) =>
  testTaskType({ name: 'x', input: z.record(z.string(), z.unknown()), handler, ...extra });

describe('running an attempt', () => {
  it('returns the parsed result', async () => {
    const type = testTaskType({ name: 'x', input: z.object({ n: z.number().default(2) }), handler: ({ n }) => ({ doubled: n * 2 }) });
    expect(await run(type)).toEqual({ ok: true, result: { doubled: 4 } });
  });

  it('records a thrown Error with its name, message and stack, retryable unless marked', async () => {
    const result = await run(typeWith(() => Promise.reject(new TypeError('bad thing'))));
    expect(result).toMatchObject({ ok: false, error: { name: 'TypeError', message: 'bad thing', retryable: true } });
    expect(!result.ok && result.error.stack).toContain('TypeError: bad thing');
    const marked = await run(typeWith(() => { throw new NonRetryableError('never'); }));
    expect(marked).toMatchObject({ ok: false, error: { name: 'NonRetryableError', retryable: false } });
  });

  it('turns a thrown non-Error into a readable error', async () => {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- what a careless handler does
    expect(await run(typeWith(() => { throw { code: 42 }; }))).toMatchObject({
      ok: false,
      error: { name: 'NonErrorThrown', message: 'the handler threw a non-Error value: {"code":42}' },
    });
    expect(toTaskError(undefined).message).toBe('the handler threw a non-Error value: undefined');
  });

  it('fails without retry when the result is not JSON or breaks the result schema', async () => {
    expect(await run(typeWith(() => ({ f: () => 1 })))).toMatchObject({ ok: false, error: { name: 'InvalidResultError', retryable: false } });
    expect(await run(typeWith(() => ({ n: Number.NaN })))).toMatchObject({ ok: false, error: { name: 'InvalidResultError' } });
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(await run(typeWith(() => cyclic))).toMatchObject({ ok: false, error: { name: 'InvalidResultError' } });
    const typed = typeWith(() => ({ n: 'one' }), { result: z.object({ n: z.number() }) });
    const mismatch = await run(typed);
    expect(mismatch).toMatchObject({ ok: false, error: { name: 'InvalidResultError' } });
    expect(!mismatch.ok && mismatch.error.message).toContain('result.n');
  });

  it('treats returning nothing as a null result', async () => {
    expect(await run(typeWith(() => undefined))).toEqual({ ok: true, result: null });
  });

  it('aborts the signal and fails a retryable TimeoutError when the handler hangs past its timeout', async () => {
    let signal: AbortSignal | undefined;
    const hangs = typeWith((_input, ctx) => {
      signal = ctx.signal;
      return new Promise(() => {}); // ignores its signal: never settles
    }, { timeoutMs: 50 });
    const result = await run(hangs);
    expect(result).toMatchObject({ ok: false, error: { name: 'TimeoutError', retryable: true } });
    expect(signal?.aborted).toBe(true);
  });

  it('ends as cancelled when the task is cancelled, once the handler stops', async () => {
    const cancel = new AbortController();
    let sawReason: unknown;
    const stops = typeWith(
      (_input, ctx) =>
        new Promise((_, reject) => {
          ctx.signal.addEventListener('abort', () => {
            sawReason = ctx.signal.reason;
            reject(ctx.signal.reason as Error);
          });
          cancel.abort();
        }),
    );
    expect(await run(stops, {}, cancel.signal)).toEqual({ ok: 'cancelled' });
    expect(sawReason).toMatchObject({ name: 'CancelledError' });
  });

  it('abandons a cancelled handler that does not stop within the grace period', async () => {
    const cancel = new AbortController();
    const ignores = typeWith(() => {
      cancel.abort();
      return new Promise(() => {});
    });
    const started = performance.now();
    expect(await run(ignores, {}, cancel.signal)).toEqual({ ok: 'cancelled' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
  });

  it('fails without retry when the stored input no longer fits the schema', async () => {
    const type = testTaskType({ name: 'x', input: z.object({ n: z.number() }), handler: () => 1 });
    const result = await run(type, { n: 'x' });
    expect(result).toMatchObject({ ok: false, error: { name: 'InvalidInputError', retryable: false } });
    expect(!result.ok && result.error.message).toContain('input.n');
  });
});

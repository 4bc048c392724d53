import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTask } from '../../src/model/state-machine.ts';
import { runAttempt, toTaskError, type AttemptOutputSink } from '../../worker/attempt.ts';
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
const ignoreOutput: AttemptOutputSink = { refusal: () => null, log: () => {}, write: () => Promise.resolve() };
const run = (type: AnyTaskHandler, input: unknown = {}, cancelled = new AbortController().signal, output: AttemptOutputSink = ignoreOutput) =>
  runAttempt(type, task(input), { progress: () => {}, metadata: () => {}, logger, output, chunkMaxBytes: 1000, cancelled, cancelGraceMs: 100 });
const typeWith = (handler: AnyTaskHandler['run'], extra: { timeoutMs?: number; result?: z.ZodType } = {}) =>
  testTaskType({ name: 'x', input: z.record(z.string(), z.unknown()), handler, ...extra });

describe('running an attempt', () => {
  it('hands checked log lines and output chunks on, and throws to the handler on bad ones or what the sink refuses', async () => {
    const written: unknown[] = [];
    const sink: AttemptOutputSink = {
      refusal: (bytes, kind) => (kind === 'output' && bytes === 4 ? 'no room' : null),
      log: (...line) => void written.push(['log', ...line]),
      write: (...chunk) => Promise.resolve(void written.push(['write', ...chunk])),
    };
    const problems: string[] = [];
    const attempt = (what: () => unknown) => {
      try {
        what();
      } catch (error) {
        problems.push((error as Error).message);
      }
    };
    const type = typeWith((_input, ctx) => {
      ctx.log.info('hello', { n: 1 });
      ctx.log.error('plain');
      void ctx.output.write('tok');
      void ctx.output.write('err', { stream: 'stderr' });
      attempt(() => ctx.output.write(42 as unknown as string));
      attempt(() => ctx.output.write('x'.repeat(1001)));
      attempt(() => ctx.output.write('x', { stream: 'no spaces' }));
      attempt(() => ctx.output.write('four'));
      attempt(() => ctx.log.warn('bad data', { f: () => 1 }));
      attempt(() => ctx.log.debug('x'.repeat(1001)));
      return 'done';
    });
    expect(await run(type, {}, undefined, sink)).toEqual({ ok: true, result: 'done' });
    expect(written).toEqual([
      ['log', 'INFO', 'hello', { n: 1 }, 12],
      ['log', 'ERROR', 'plain', null, 9],
      ['write', 'default', 'tok', 3],
      ['write', 'stderr', 'err', 3],
    ]);
    expect(problems).toEqual([
      'output.write: the chunk must be a string, got number',
      'output.write: a chunk of 1001 bytes, more than the 1000 allowed',
      'output.write: stream: letters, digits, _, . and - only, 1 to 64, got "no spaces"',
      'output.write: no room',
      'log.warn: data is not JSON: a function cannot be JSON',
      'log.debug: 1005 bytes, more than the 1000 a line may have',
    ]);
  });

  it('refuses output written after the attempt ended', async () => {
    let late: (() => unknown) | undefined;
    await run(typeWith((_input, ctx) => {
      late = () => ctx.output.write('too late');
      return null;
    }));
    expect(late).toThrow('output.write: attempt 1 has ended');
  });

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

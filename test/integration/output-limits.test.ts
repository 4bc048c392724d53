/**
 * The bounds on what a task writes, on the real servers with a worker: TASK_OUTPUT_MAX_BYTES
 * refuses a chunk past the task's limit (its streams and attempts together) with a clear error to
 * the handler, which goes on, and stores nothing of it; OUTPUT_BUFFER_MAX_BYTES bounds what the
 * worker holds unwritten — `ctx.output.write`'s promise waits for room, and a handler that does
 * not wait is refused once the buffer is full, its output so far intact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EnqueueTaskDocument, TaskLogStreamDocument, TaskOutputDocument } from '../../schema/generated/graphql.ts';
import { ANONYMOUS } from '../../src/auth/principal.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { testTaskType } from '../support/task-types.ts';

const TASK_MAX = 20_000;
const BUFFER_MAX = 2_000;
/** Every chunk here is 100 bytes. */
const chunk = (i: number) => `${String(i).padStart(4, '0')}${'.'.repeat(96)}`;

/**
 * Attempt 1 writes `first` chunks, waiting for each, and fails; attempt 2 writes on (half of them
 * to a second stream) until a write is refused, and says what it saw.
 */
const filler = testTaskType({
  name: 'filler',
  input: z.object({ first: z.number().int() }),
  handler: async ({ first }, ctx) => {
    if (ctx.attempt === 1) {
      for (let i = 0; i < first; i++) await ctx.output.write(chunk(i));
      throw new Error('attempt 1 fails');
    }
    let written = 0;
    for (;;) {
      try {
        await ctx.output.write(chunk(written), { stream: written % 2 === 0 ? 'default' : 'other' });
        written++;
      } catch (error) {
        return { written, refused: (error as Error).message };
      }
    }
  },
});

/** Writes without waiting until a write is refused, then waits for the last promise and writes once more. */
const burst = testTaskType({
  name: 'burst',
  input: z.object({}),
  handler: async (_input, ctx) => {
    let accepted = 0;
    let last: Promise<void> = Promise.resolve();
    let refused = '';
    let logRefused = '';
    for (;;) {
      try {
        last = ctx.output.write(chunk(accepted));
        accepted++;
      } catch (error) {
        refused = (error as Error).message;
        break;
      }
    }
    try {
      ctx.log.info('while the buffer is full');
    } catch (error) {
      logRefused = (error as Error).message;
    }
    let settled = false;
    void last.then(() => (settled = true));
    await Promise.resolve();
    const waitedForRoom = !settled;
    await last;
    await ctx.output.write(chunk(accepted));
    ctx.log.info('after waiting');
    return { accepted, refused, logRefused, waitedForRoom };
  },
});

let stack: Stack;
beforeAll(async () => {
  stack = await startStack('output-limits', {
    handlers: [filler, burst],
    env: { TASK_OUTPUT_MAX_BYTES: String(TASK_MAX), OUTPUT_BUFFER_MAX_BYTES: String(BUFFER_MAX) },
  });
});
afterAll(() => stack?.close());

/** Run a task to its end (its log stream completes after the final state) and read it back. */
async function run(type: string, input: Record<string, unknown>, maxAttempts = 1) {
  const { enqueueTask } = await stack.client.data(EnqueueTaskDocument, { input: { type, input, maxAttempts } });
  const id = enqueueTask.task.id;
  await stack.client.watch(TaskLogStreamDocument, { id }).completed;
  const task = await stack.runtime.tasks.get(ANONYMOUS, id);
  const read = async (stream: string) => (await stack.client.data(TaskOutputDocument, { id, stream })).task!.output;
  return { task: task!, output: await read('default'), other: await read('other') };
}

describe('TASK_OUTPUT_MAX_BYTES', () => {
  it('refuses the chunk past the limit, counting every stream and attempt, and the task and worker go on', async () => {
    const { task, output, other } = await run('filler', { first: 120 }, 2);
    expect(task.state).toBe('SUCCEEDED');
    // Attempt 1 left 12,000 bytes: attempt 2 may add 8,000, in 80 chunks of 100.
    expect(task.result).toEqual({
      written: 80,
      refused: `output.write: 100 more bytes would make this task's output ${TASK_MAX + 100} bytes, more than the ${TASK_MAX} it may have (TASK_OUTPUT_MAX_BYTES); nothing was written`,
    });
    expect(output.map((c) => c.seq)).toEqual(Array.from({ length: 160 }, (_, i) => i + 1));
    expect(other.map((c) => c.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const bytes = [...output, ...other].reduce((n, c) => n + Buffer.byteLength(c.data), 0);
    expect(bytes).toBe(TASK_MAX);
    expect(await stack.runtime.outputStore.outputBytes(task.id)).toBe(TASK_MAX);
    // The same worker runs the next task.
    const next = await run('filler', { first: 10 }, 2);
    expect(next.task.result).toMatchObject({ written: 190 });
  });
});

describe('OUTPUT_BUFFER_MAX_BYTES', () => {
  it('makes a write wait for room, and refuses writes and log lines while the buffer is full', async () => {
    const { task, output } = await run('burst', {});
    expect(task.state).toBe('SUCCEEDED');
    const full = `${BUFFER_MAX} bytes of this attempt's output and log wait to be written, the most the worker holds (OUTPUT_BUFFER_MAX_BYTES: ${BUFFER_MAX}); await output.write() to wait for room; nothing was written`;
    // Nothing is written while the handler runs without pause: 20 chunks of 100 fill the buffer.
    expect(task.result).toEqual({ accepted: 20, refused: `output.write: ${full}`, logRefused: `log.info: ${full}`, waitedForRoom: true });
    expect(output.map((c) => c.data)).toEqual(Array.from({ length: 21 }, (_, i) => chunk(i)));
    const logs = await stack.runtime.output.logs(task, 0, null);
    expect(logs.map((l) => l.message)).toEqual(['after waiting']);
  });
});

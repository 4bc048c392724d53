/**
 * The clients people run from a shell — `npm run watch -- <taskId>` and the examples in
 * examples/ — run as a user runs them, against an API and worker in this process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnqueueTaskDocument, TaskOutputStreamDocument } from '../../schema/generated/graphql.ts';
import { generatedText } from '../../src/tasks/builtin/generate.ts';
import { runScript, type ScriptRun } from '../support/processes.ts';
import { startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack('watch_cli');
});
afterAll(async () => {
  await stack?.close();
});

const env = () => ({ TASKQL_URL: `ws://127.0.0.1:${stack.server.port}/graphql` });

/** Run the watcher on `id`. */
function watch(id: string): Promise<ScriptRun> {
  return runScript('scripts/watch.ts', [id], env());
}

describe('the terminal watcher', () => {
  it('draws progress to 100 % and prints the result, exiting 0 on SUCCEEDED', async () => {
    const { enqueueTask } = await stack.client.data(EnqueueTaskDocument, { input: { type: 'sleep', input: { ms: 900, steps: 3 } } });
    const { code, out } = await watch(enqueueTask.task.id);
    expect(code).toBe(0);
    expect(out).toContain('100%  SUCCEEDED');
    expect(out).toContain('step 3/3');
    expect(out).toContain('result: {"sleptMs":900}');
  });

  it('prints the error and exits 1 on FAILED, 3 for an unknown task', async () => {
    const { enqueueTask } = await stack.client.data(EnqueueTaskDocument, { input: { type: 'fail', input: { message: 'no luck', retryable: false } } });
    const failed = await watch(enqueueTask.task.id);
    expect(failed.code).toBe(1);
    expect(failed.out).toContain('error: NonRetryableError: no luck');
    const unknown = await watch('no-such-task');
    expect(unknown.code).toBe(3);
    expect(unknown.out).toContain('cannot watch no-such-task');
  });
});

describe('examples/enqueue-and-watch.ts', () => {
  it('enqueues a sleep and prints its progress through intermediate values to SUCCEEDED and the result', async () => {
    const { code, out } = await runScript('examples/enqueue-and-watch.ts', [], env());
    expect(code, out).toBe(0);
    const id = /^enqueued (\S+)$/m.exec(out)?.[1];
    expect(id).toBeDefined();
    const percents = [...out.matchAll(/^RUNNING .* (\d+)%$/gm)].map((m) => Number(m[1]));
    expect(percents.some((p) => p > 0 && p < 100), out).toBe(true);
    expect(out).toMatch(/^SUCCEEDED +#{20} 100%$/m);
    expect(out).toContain('result {"sleptMs":2000}');
  });
});

describe('examples/print-output.ts', () => {
  it("enqueues a generate task and prints its output as it is written, the model's whole text", async () => {
    const { code, out } = await runScript('examples/print-output.ts', [], env());
    expect(code, out).toBe(0);
    expect(out).toMatch(/^enqueued \S+$/m);
    expect(out).toContain(`${generatedText(1, 40)}\n`);
    expect(out).toContain('40 chunks');
  });

  it("prints an existing task's output by replay", async () => {
    const { enqueueTask } = await stack.client.data(EnqueueTaskDocument, { input: { type: 'generate', input: { words: 12, rate: 0, seed: 3 } } });
    await stack.client.watch(TaskOutputStreamDocument, { id: enqueueTask.task.id }).completed;
    const { code, out } = await runScript('examples/print-output.ts', [enqueueTask.task.id], env());
    expect(code, out).toBe(0);
    expect(out).toContain(`${generatedText(3, 12)}\n`);
  });
});

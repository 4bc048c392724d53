/** `npm run watch -- <taskId>`, run as a user runs it, against an API and worker in this process. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnqueueTaskDocument } from '../../schema/generated/graphql.ts';
import { startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack('watch_cli');
});
afterAll(async () => {
  await stack?.close();
});

/** Run the watcher on `id`; resolves with its exit code and output. */
function watch(id: string): Promise<{ code: number | null; out: string }> {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/watch.ts', id], {
    cwd: root,
    env: { ...process.env, TASKQL_URL: `ws://127.0.0.1:${stack.server.port}/graphql` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out })));
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

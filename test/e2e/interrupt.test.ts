/**
 * Ctrl-C as a terminal sends it: SIGINT to the whole foreground process group of `npm run dev`
 * (npm, tsx, scripts/dev.ts, `node --watch` and the API and worker under it), so each process
 * gets it directly and again from the process above it. One Ctrl-C must stop the worker exactly
 * as SIGTERM does: an attempt that outlives the drain period is handed back (REQUEUED), never
 * left RUNNING with its job stuck in BullMQ's active list.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { EnqueueTaskDocument, TaskDocument, TaskHistoryDocument } from '../../schema/generated/graphql.ts';
import { freePort } from '../../scripts/local-servers.ts';
import { signalReader } from '../../src/shutdown.ts';
import { TestClient } from '../support/graphql-client.ts';
import { startProcess, type TaskqlProcess } from '../support/processes.ts';
import { testEnv, testQueue } from '../support/runtime.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => {});
});

/** `npm run dev` in a process group of its own, as a terminal runs it; its output, line by line. */
function npmRunDev(env: Record<string, string>) {
  const child = spawn('npm', ['run', '--silent', 'dev'], { cwd: root, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters: { match: (line: string) => boolean; resolve: () => void }[] = [];
  // npm itself dies of the SIGINT at once; the processes under it share its stdout and stderr,
  // which close when the last of them has exited.
  const ended = new Promise<void>((resolve) => child.once('close', () => resolve()));
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      for (const waiter of waiters.filter((w) => w.match(line))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    });
  }
  // Should the test fail half-way, nothing of the group is left running.
  cleanup.push(async () => {
    if (!child.stdout.closed) process.kill(-child.pid!, 'SIGKILL');
  });
  return {
    pid: child.pid!,
    lines,
    /** Resolves when every process of the group has exited. */
    ended,
    /** Resolves once a line contains `text` (rejects if the group ends first). */
    printed: (text: string) =>
      new Promise<void>((resolve, reject) => {
        if (lines.some((line) => line.includes(text))) return resolve();
        waiters.push({ match: (line) => line.includes(text), resolve });
        void ended.then(() => reject(new Error(`npm run dev exited before printing "${text}":\n${lines.join('\n')}`)));
      }),
  };
}

it('one Ctrl-C to the process group drains the worker as SIGTERM does: the running task is handed back, not stranded', async () => {
  const port = await freePort();
  const env = testEnv('ctrl_c', { LOG_LEVEL: 'info', PORT: String(port), DASHBOARD: 'off', WORKER_DRAIN_MS: '500' });
  const dev = npmRunDev(env);
  await Promise.all([dev.printed('taskql API listening'), dev.printed('taskql worker started')]);

  const client = new TestClient(port);
  cleanup.push(() => client.close());
  const { enqueueTask } = await client.data(EnqueueTaskDocument, { input: { type: 'sleep', input: { ms: 60_000, steps: 60 } } });
  const id = enqueueTask.task.id;
  await client.follow(id).until((r) => r.data?.taskEvents.type === 'STARTED');

  process.kill(-dev.pid, 'SIGINT');
  await dev.ended;
  const logged = dev.lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { name: string; msg: string });
  for (const name of ['taskql-api', 'taskql-worker']) {
    expect(logged.filter((line) => line.name === name && line.msg === 'shutting down'), name).toHaveLength(1);
  }
  expect(logged.filter((line) => line.msg.startsWith('asked again to stop'))).toEqual([]);

  // Read it back through a fresh API, as the next `npm run dev` would.
  const api: TaskqlProcess = await startProcess('api', env);
  cleanup.push(() => api.stop());
  const reader = new TestClient(api.port);
  cleanup.push(() => reader.close());
  const { task } = await reader.data(TaskDocument, { id });
  expect(task?.state).toBe('PENDING');
  expect(task?.attempts.map((a) => a.outcome)).toEqual(['STALLED']);
  const history = await reader.data(TaskHistoryDocument, { id });
  expect(history.task?.events.find((e) => e.type === 'REQUEUED')?.reason).toMatch(/shut down before attempt 1 finished/);
  const queue = testQueue(env);
  cleanup.push(() => queue.close());
  expect(await queue.getActiveCount()).toBe(0);
  expect(['waiting', 'prioritized']).toContain(await queue.getJobState(id));
}, 120_000);

it('reads signals after the first as the same request within the repeat window, and as a demand to exit after it', () => {
  const read = signalReader(1000);
  expect([read(5000), read(5003), read(6000), read(6001)]).toEqual(['stop', 'repeat', 'repeat', 'force']);
});

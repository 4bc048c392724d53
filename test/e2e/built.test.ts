/**
 * The build as production runs it: `npm run build:server` compiles dist/, and plain node (no tsx)
 * runs its API and worker, which carry a task from enqueue to result while a subscriber watches
 * over WebSocket.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnqueueTaskDocument, TaskEventsDocument } from '../../schema/generated/graphql.ts';
import { TestClient } from '../support/graphql-client.ts';
import { startProcess, type TaskqlProcess } from '../support/processes.ts';
import { testEnv } from '../support/runtime.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
let processes: TaskqlProcess[] = [];
let client: TestClient;

beforeAll(async () => {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root });
  const env = testEnv('built');
  processes = await Promise.all([startProcess('api', env, { built: true }), startProcess('worker', env, { built: true })]);
  client = new TestClient(processes[0]!.port);
}, 180_000);

afterAll(async () => {
  await client?.close();
  await Promise.all(processes.map((p) => p.stop()));
});

describe('the built API and worker', () => {
  it('run a sleep enqueued over HTTP to SUCCEEDED, every event pushed over WebSocket', async () => {
    const { enqueueTask } = await client.data(EnqueueTaskDocument, { input: { type: 'sleep', input: { ms: 300, steps: 3 } } });
    const results = await client.watch(TaskEventsDocument, { id: enqueueTask.task.id }).completed;
    const types = results.map((r) => r.data?.taskEvents.type);
    expect(types.slice(0, 2)).toEqual(['CREATED', 'STARTED']);
    expect(types.at(-1)).toBe('SUCCEEDED');
  });
});

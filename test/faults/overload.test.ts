/**
 * Fault 7, overload: clients enqueue far faster than the workers drain for 30 s. The API keeps
 * answering reads (the p99 of `task(id)` under load is measured and reported, not asserted), its
 * memory stays bounded (the backlog lives in MongoDB and Redis, not in the API), and nothing
 * accepted is dropped: every accepted task is stored, and each one not finished has its job.
 */
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, expect, it } from 'vitest';
import { EnqueueTasksDocument, TaskDocument } from '../../schema/generated/graphql.ts';
import { testEnv, testQueue } from '../support/runtime.ts';
import { within } from '../support/wait.ts';
import { Fleet, percentile } from './support/fleet.ts';
import { StoredTasks } from './support/stories.ts';

const LOAD_MS = 30_000;
const ENQUEUERS = 3;
const BATCH = 50;
const MAX_TASKS = 20_000;
const PROBE_EVERY_MS = 100;
/** A gross leak guard, far above what the API needs (about 150 MB idle): not a performance claim. */
const RSS_LIMIT_MB = 1024;

const fleet = new Fleet('overload');
afterAll(() => fleet.close());

/** Resident memory of a process, in MB, from /proc (Linux). */
async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

it('stays responsive and bounded while enqueues outpace the workers for 30 s, dropping nothing', async () => {
  const env = testEnv('fault_overload', { WORKER_CONCURRENCY: '2', RATE_LIMIT_MUTATIONS: '1000000' });
  const stored = new StoredTasks(env);
  const queue = testQueue(env);
  fleet.onClose(async () => {
    await queue.close();
    await stored.close();
  });
  const [api] = await Promise.all([fleet.start('api', env), fleet.start('worker', env)]);
  const client = await fleet.client(api.port);
  const pid = api.child.pid ?? 0;
  const rssBefore = await rssMb(pid);

  const accepted: string[] = [];
  const refused: string[] = [];
  const latencies: number[] = [];
  const rss: number[] = [];
  const started = Date.now();
  const loaded = () => Date.now() - started < LOAD_MS && accepted.length < MAX_TASKS;
  const inputs = Array.from({ length: BATCH }, () => ({ type: 'sleep', input: { ms: 1000, steps: 2 } }));
  const enqueuer = async () => {
    while (loaded()) {
      const result = await client.request(EnqueueTasksDocument, { inputs });
      if (result.data) accepted.push(...result.data.enqueueTasks.map((e) => e.task.id));
      else refused.push(JSON.stringify(result.errors));
    }
  };
  const prober = async () => {
    while (accepted.length === 0 && loaded()) await sleep(PROBE_EVERY_MS);
    while (loaded()) {
      const asked = performance.now();
      await client.data(TaskDocument, { id: accepted[accepted.length - 1]! });
      latencies.push(performance.now() - asked);
      await sleep(PROBE_EVERY_MS);
    }
  };
  const sampler = async () => {
    while (loaded()) {
      rss.push(await rssMb(pid));
      await sleep(1000);
    }
  };
  await within('the load ends', LOAD_MS + 30_000, Promise.all([...Array.from({ length: ENQUEUERS }, enqueuer), prober(), sampler()]));
  const seconds = (Date.now() - started) / 1000;

  // The test's database holds only the tasks it enqueued.
  const [finished, unfinished] = await Promise.all([stored.ids({ final: true }), stored.ids({ final: false })]);
  fleet.log(
    `enqueued ${accepted.length} tasks in ${seconds.toFixed(1)} s (${Math.round(accepted.length / seconds)}/s) with ${refused.length} refusals; ` +
      `the worker finished ${finished.length} (${(finished.length / seconds).toFixed(1)}/s): a backlog of ${unfinished.length}`,
  );
  fleet.log(
    `task(id) under load: ${latencies.length} reads, p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, ` +
      `max ${Math.max(...latencies).toFixed(1)} ms (target p99 < 200 ms; reported, not asserted)`,
  );
  const peak = Math.max(...rss);
  fleet.log(`API memory (RSS): ${rssBefore.toFixed(0)} MB before, peak ${peak.toFixed(0)} MB, ${rss.at(-1)?.toFixed(0)} MB at the end`);

  expect(refused, 'refused enqueues').toEqual([]);
  expect(unfinished.length, 'the workers were outpaced').toBeGreaterThan(0);
  expect(peak, `API RSS stays under ${RSS_LIMIT_MB} MB`).toBeLessThan(RSS_LIMIT_MB);
  expect(new Set([...finished, ...unfinished]), 'every accepted task is stored, nothing else').toEqual(new Set(accepted));

  // Every task still waiting has its job; read the jobs after the tasks, as a worker may finish
  // one in between (a finished task's job is gone, so it is checked as finished).
  await sleep(500);
  const jobs = new Set(await queue.getRanges(['waiting', 'prioritized', 'active', 'delayed', 'paused'], 0, -1));
  const stillUnfinished = new Set(await stored.ids({ final: false }));
  const withoutJob = unfinished.filter((id) => stillUnfinished.has(id) && !jobs.has(id));
  fleet.log(`checked: ${stillUnfinished.size} waiting tasks, ${jobs.size} jobs in BullMQ, ${withoutJob.length} tasks without a job`);
  expect(withoutJob.slice(0, 20), 'unfinished tasks without a job').toEqual([]);
});

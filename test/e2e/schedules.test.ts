/**
 * Schedules across real processes: two APIs and three workers share a schedule declared in code,
 * every second; then the three workers are replaced at once, as a deploy does. However many
 * processes upsert the declaration and tick the scheduler, there is one schedule and exactly one
 * task per due time — no duplicates, no holes.
 */
import { afterAll, expect, it } from 'vitest';
import { ScheduleDocument, SchedulesDocument } from '../../schema/generated/graphql.ts';
import { TestClient } from '../support/graphql-client.ts';
import { startProcess, type TaskqlProcess } from '../support/processes.ts';
import { testEnv } from '../support/runtime.ts';
import { waitUntil } from '../support/wait.ts';
import { DECLARED_SCHEDULE, EVERY_SECOND } from './support/declared-schedule.ts';

const processes: TaskqlProcess[] = [];
const clients: TestClient[] = [];

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(processes.map((p) => p.stop()));
});

// Due times seen up to 2 min late still run: the test's deploy, however slow on a loaded machine,
// is a late scheduler, not a missed one (catch-up is tested with a clock in the integration suite).
const env = testEnv('e2e_schedules', { SCHEDULE_TICK_MS: '100', SCHEDULE_LATENESS_MS: '120000' });
const start = async (kind: 'api' | 'worker') => {
  const started = await startProcess(kind, env, { imports: [DECLARED_SCHEDULE] });
  processes.push(started);
  return started;
};

it('makes one task per due time with 2 APIs and 3 workers, through a deploy of all workers', { timeout: 120_000 }, async () => {
  const [api1, api2] = await Promise.all([start('api'), start('api')]);
  const one = new TestClient(api1.port);
  const two = new TestClient(api2.port);
  clients.push(one, two);
  const workers = await Promise.all([start('worker'), start('worker'), start('worker')]);

  const schedule = async () => {
    const { schedules } = await two.data(SchedulesDocument, { first: 100 });
    expect(schedules.edges.map((e) => e.node.name)).toEqual([EVERY_SECOND]);
    return schedules.edges[0]!.node;
  };
  const runs = async () => {
    const { id } = await schedule();
    const data = await one.data(ScheduleDocument, { id });
    return data.schedule!.tasks.edges.map((e) => e.node.idempotencyKey!);
  };
  await waitUntil('4 runs before the deploy', async () => (await runs()).length >= 4, { timeoutMs: 30_000 });

  // The deploy: every worker goes, three new ones come, all at once.
  await Promise.all(workers.map((w) => w.stop()));
  const before = (await runs()).length;
  await Promise.all([start('worker'), start('worker'), start('worker')]);
  await waitUntil('3 runs after the deploy', async () => (await runs()).length >= before + 3, { timeoutMs: 30_000 });

  // Each run's key is `schedule:<id>:<due time>` (scheduledRunKey).
  const dueTimes = (await runs()).map((key) => new Date(/^schedule:[^:]+:(.+)$/.exec(key)![1]!).getTime());
  dueTimes.sort((a, b) => a - b);
  const gaps = dueTimes.slice(1).map((t, i) => t - dueTimes[i]!);
  console.log(`schedule runs: ${dueTimes.length}, due times 1 s apart: ${gaps.every((g) => g === 1000)}`);
  expect(new Set(dueTimes).size).toBe(dueTimes.length);
  expect(gaps.filter((gap) => gap !== 1000), `gaps between due times: ${gaps.join(', ')}`).toEqual([]);
  await schedule(); // still one schedule after six workers upserted it
});

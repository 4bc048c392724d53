/**
 * Fault: a worker SIGKILLed while its attempts hold both slots of a tenant's concurrency limit.
 * The slots are leases: they come back once unrenewed for the lock period, the tenant's parked
 * tasks and the killed ones all finish on the surviving worker, and the limit held throughout —
 * counting the killed attempts as running until the kill.
 */
import { afterAll, expect, inject, it } from 'vitest';
import { EnqueueTasksDocument, TaskDocument } from '../../schema/generated/graphql.ts';
import { LIMITED_TYPES, mostAtOnce, readMarks, type AttemptMark } from '../support/limited-types.ts';
import { testEnv } from '../support/runtime.ts';
import { waitUntil, within } from '../support/wait.ts';
import { Fleet } from './support/fleet.ts';

const fleet = new Fleet('worker SIGKILL holding limit slots');
afterAll(() => fleet.close());
const redisUrl = inject('redisUrl');
const LOCK_MS = 2000;

it('gives a killed worker’s slots back within the lock period, and the limit still holds', async () => {
  const env = testEnv('fault_limit_kill', { WORKER_LOCK_MS: String(LOCK_MS), WORKER_HEARTBEAT_MS: '300' });
  const imports = { imports: [LIMITED_TYPES] };
  const api = await fleet.start('api', env, imports);
  const workers = await Promise.all([fleet.start('worker', env, imports), fleet.start('worker', env, imports)]);
  const client = await fleet.client(api.port);
  const key = 'log:limit-kill';
  const enqueue = async (count: number, ms: number) =>
    (await client.data(EnqueueTasksDocument, {
      inputs: Array.from({ length: count }, () => ({ type: 'tenant-limited', input: { tenant: 'acme', ms, log: { redisUrl, key } } })),
    })).enqueueTasks.map((e) => e.task.id);
  const stateOf = async (id: string) => (await client.data(TaskDocument, { id })).task;

  const held = await enqueue(2, 8000);
  await within('both long attempts run', 20_000, waitUntil('two starts', async () => (await readMarks(redisUrl, key)).length === 2));
  const parked = await enqueue(6, 100);
  // The worker running the first long attempt holds at least one of the two slots.
  const holder = (await stateOf(held[0]!))!.attempts[0]!.workerId!;
  const victim = workers.find((w) => holder.includes(`:${w.child.pid}:`))!;
  fleet.log(`2 attempts of 8 s hold tenant acme’s 2 slots (one or both on worker pid ${victim.child.pid}); 6 more of acme are parked`);
  await fleet.kill(victim);
  // Read after the kill: the killed attempts ran until some moment before it.
  const killedAtMs = await redisNow();
  fleet.log(`SIGKILLed worker pid ${victim.child.pid}`);

  const all = [...held, ...parked];
  await within(
    'all 8 tasks succeed on the surviving worker',
    60_000,
    waitUntil('all succeeded', async () => (await Promise.all(all.map(stateOf))).every((t) => t?.state === 'SUCCEEDED'), {
      timeoutMs: 60_000,
      everyMs: 250,
    }),
  );
  const marks = await readMarks(redisUrl, key);
  const afterKill = marks.filter((m) => m.mark === 'start' && m.atMs > killedAtMs).map((m) => m.atMs);
  fleet.log(`first start after the kill: ${Math.min(...afterKill) - killedAtMs} ms later (lock period ${LOCK_MS} ms)`);
  // The killed attempts never logged their end: they count as running until the kill.
  const killed: AttemptMark[] = marks
    .filter((m) => m.mark === 'start' && m.atMs < killedAtMs)
    .filter((m) => !marks.some((e) => e.mark === 'end' && e.taskId === m.taskId && e.atMs > m.atMs && e.atMs < killedAtMs))
    .map((m) => ({ ...m, mark: 'end', atMs: killedAtMs }));
  expect(killed.length).toBeGreaterThanOrEqual(1);
  expect(new Set(marks.filter((m) => m.mark === 'end').map((m) => m.taskId)).size).toBe(8);
  expect(mostAtOnce([...marks, ...killed]).get('acme')).toBe(2);
  fleet.log('checked: all 8 SUCCEEDED, never more than 2 of acme running at once, the killed attempts included');
});

async function redisNow(): Promise<number> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(redisUrl);
  try {
    const [s, us] = await redis.time();
    return Number(s) * 1000 + Math.floor(Number(us) / 1000);
  } finally {
    redis.disconnect();
  }
}

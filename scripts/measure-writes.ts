/**
 * `npx tsx scripts/measure-writes.ts [tasks…]`: what one version-guarded write of a task costs on
 * the MongoDB-compatible server `startLocalServers` gives (MONGO_URL, else a local FerretDB, else
 * mongod), with that many tasks stored (default 2,000 and 10,000). docs/mongodb-compatibility.md
 * quotes it. Rows, each the mean of 200 writes, one at a time:
 * - `commit`: `TaskStore.commit` as every writer makes it (on FerretDB: claim, then write by `_id`);
 * - `commit, late claimant` (FerretDB only): the same with the claim past half its timeout, so the
 *   write carries the version in its filter (the fence);
 * - `updateOne {_id, version}`: the bare version-guarded update, which is all MongoDB needs.
 */
import { MongoClient, type Db } from 'mongodb';
import { startAttempt } from '../src/model/state-machine.ts';
import type { Task } from '../src/model/task.ts';
import { TaskStore } from '../src/store/task-store.ts';
import { newEchoTask } from '../bench/lib/direct.ts';
import { startLocalServers } from './local-servers.ts';

const WRITES = 200;
const sizes = process.argv.slice(2).map(Number);

const servers = await startLocalServers();
const client = await MongoClient.connect(servers.mongoUrl);
try {
  const build = await client.db('admin').command({ buildInfo: 1 });
  const ferretdb = typeof build['ferretdbVersion'] === 'string';
  console.log(`${servers.describe}\n`);
  console.log('| tasks stored | write | ms per write |\n| --- | --- | --- |');
  for (const size of sizes.length > 0 ? sizes : [2_000, 10_000]) {
    const db = client.db(`measure_writes_${size}_${Date.now().toString(36)}`);
    try {
      const store = new TaskStore(db);
      await store.ensureIndexes();
      const tasks = await storeTasks(store, size);
      const row = (write: string, ms: number) => console.log(`| ${size.toLocaleString('en')} | ${write} | ${ms.toFixed(1)} |`);
      row('commit', await perWrite(tasks.slice(0, WRITES), (task) => store.commit(task, started(task))));
      if (ferretdb) {
        // A claim timeout of 0 makes every claimant "late": each write takes the fenced form.
        const late = new TaskStore(db, () => new Date(), { claimTimeoutMs: 0 });
        row('commit, late claimant', await perWrite(tasks.slice(WRITES, 2 * WRITES), (task) => late.commit(task, started(task))));
      }
      row('updateOne {_id, version}', await perWrite(tasks.slice(2 * WRITES, 3 * WRITES), (task) => bareUpdate(db, task)));
    } finally {
      await db.dropDatabase();
    }
  }
} finally {
  await client.close();
  await servers.stop();
}

async function storeTasks(store: TaskStore, n: number): Promise<Task[]> {
  const transitions = Array.from({ length: n }, (_, i) => newEchoTask({ n: i }));
  for (let i = 0; i < n; i += 1_000) await store.insertMany(transitions.slice(i, i + 1_000));
  return transitions.map((t) => t.task);
}

function started(task: Task) {
  const transition = startAttempt(task, 'measure', new Date());
  if (!transition.ok) throw new Error(transition.reason);
  return transition;
}

async function bareUpdate(db: Db, task: Task): Promise<boolean> {
  const result = await db.collection('tasks').updateOne({ _id: task.id as never, version: task.version }, { $set: { state: 'RUNNING' } });
  return result.matchedCount === 1;
}

/** The mean time of `write` over `tasks`, one after the other; each must succeed. */
async function perWrite(tasks: Task[], write: (task: Task) => Promise<boolean>): Promise<number> {
  const start = performance.now();
  for (const task of tasks) if (!(await write(task))) throw new Error(`write of ${task.id} matched nothing`);
  return (performance.now() - start) / tasks.length;
}

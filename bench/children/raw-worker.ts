/**
 * The raw baselines of the worker: a BullMQ Worker on the same queue name and options as
 * taskql's. With TRACK unset its processor does nothing (the floor of BullMQ). With TRACK=mongo
 * it reads the task, then makes by hand the writes a tracking worker cannot avoid — one
 * version-guarded update for STARTED and one for SUCCEEDED, each followed by a publish — with
 * nothing else, with the filters taskql's store sends (the shard key and `_id`,
 * docs/mongodb-sharding.md), so that the same indexes serve them. With TRACK=mongo-from-job it
 * takes the task from its job, as taskql's worker does on a first delivery, instead of reading
 * it: the floor of any tracking design. Env: REDIS_URL, REDIS_PREFIX, CONCURRENCY, QUEUE; with
 * TRACK also MONGO_URL, MONGO_DB, CHANNEL.
 */
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import { queuedTask, type TaskJobData } from '../../src/queue/task-queues.ts';
import { dedupeKeyOf } from '../../src/store/task-document.ts';
import { isMessage, type AwaitCommand, type WorkerMessage } from './protocol.ts';

const connection = new Redis(process.env['REDIS_URL']!, { maxRetriesPerRequest: null });

/** The hand-made tracking: what each job of the TRACK=mongo baseline costs, and how to close it. */
async function tracker(): Promise<{ run: (job: Job<TaskJobData>) => Promise<void>; close: () => Promise<void> }> {
  const mongo = await new MongoClient(process.env['MONGO_URL']!).connect();
  const tasks = mongo.db(process.env['MONGO_DB']).collection<{ _id: string; owner: string; dedupeKey: string; version: number }>('tasks');
  const publisher = new Redis(process.env['REDIS_URL']!);
  const channel = process.env['CHANNEL']!;
  const fromJob = process.env['TRACK'] === 'mongo-from-job';
  const run = async (job: Job<TaskJobData>) => {
    const { taskId: id, owner } = job.data;
    const queued = fromJob ? queuedTask(job.data) : null;
    const task = queued ? { version: queued.version, dedupeKey: dedupeKeyOf(queued) } : await tasks.findOne({ owner: owner!, _id: id }, { projection: { version: 1, dedupeKey: 1 } });
    if (!task) throw new Error(`no task ${id}`);
    for (const [k, state] of [[1, 'RUNNING'], [2, 'SUCCEEDED']] as const) {
      const at = new Date();
      await tasks.updateOne(
        { owner: owner!, dedupeKey: task.dedupeKey, _id: id, version: task.version + k - 1 },
        { $set: { state, version: task.version + k, updatedAt: at }, $push: { events: { version: task.version + k, state, at } } },
      );
      await publisher.publish(channel, `${id}:${task.version + k}`);
    }
  };
  return { run, close: async () => { publisher.disconnect(); await mongo.close(); } };
}

const tracking = process.env['TRACK'] ? await tracker() : null;
const worker = new Worker<TaskJobData>(process.env['QUEUE']!, tracking?.run ?? (async () => {}), {
  connection,
  prefix: process.env['REDIS_PREFIX']!,
  concurrency: Number(process.env['CONCURRENCY']),
});

let completed = 0;
let awaited: number | null = null;
const answer = () => {
  if (awaited !== null && completed >= awaited) {
    awaited = null;
    process.send?.({ type: 'completed', total: completed } satisfies WorkerMessage);
  }
};
worker.on('completed', () => {
  completed++;
  answer();
});
process.on('message', (message) => {
  if (!isMessage<AwaitCommand>('await')(message)) return;
  awaited = message.total;
  answer();
});
process.once('SIGTERM', () => {
  void worker.close().finally(async () => {
    await tracking?.close();
    connection.disconnect();
    process.disconnect?.();
  });
});

await worker.waitUntilReady();
process.send?.({ type: 'worker-ready', total: completed } satisfies WorkerMessage);

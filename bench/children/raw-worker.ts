/**
 * The raw baseline of the worker: a BullMQ Worker on the same queue name and options as
 * taskql's, with a no-op processor. Env: REDIS_URL, REDIS_PREFIX, CONCURRENCY, QUEUE.
 */
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { isMessage, type AwaitCommand, type WorkerMessage } from './protocol.ts';

const connection = new Redis(process.env['REDIS_URL']!, { maxRetriesPerRequest: null });
const worker = new Worker(process.env['QUEUE']!, async () => {}, {
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
  void worker.close().finally(() => {
    connection.disconnect();
    process.disconnect?.();
  });
});

await worker.waitUntilReady();
process.send?.({ type: 'worker-ready', total: completed } satisfies WorkerMessage);

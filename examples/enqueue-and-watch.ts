/**
 * What a frontend does with taskql, in one short file to copy: open one graphql-ws connection,
 * enqueue a task over it, and render the task's progress from `taskUpdated` until it finishes.
 * Typed end to end by the documents codegen.ts generates from schema/operations/*.graphql.
 *
 *   npx tsx examples/enqueue-and-watch.ts            # against `npm run dev` on port 4000
 *   TASKQL_URL=wss://tasks.example.com/graphql TASKQL_TOKEN=<jwt> npx tsx examples/enqueue-and-watch.ts
 *
 * In a browser, drop `webSocketImpl` (the browser has a WebSocket) and draw a <progress> instead.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { EnqueueTaskDocument, TaskUpdatedDocument } from '../schema/generated/graphql.ts';

const token = process.env['TASKQL_TOKEN'];
const client = createClient({
  url: process.env['TASKQL_URL'] ?? 'ws://localhost:4000/graphql',
  webSocketImpl: WebSocket,
  // The contract's credentials for a WebSocket: sent once, when it connects.
  connectionParams: token ? { authorization: `Bearer ${token}` } : {},
});

/** Results of `document` (a query, mutation or subscription), typed by it. */
function run<Result, Variables>(document: TypedDocumentNode<Result, Variables>, variables: Variables) {
  return client.iterate<Result>({ query: print(document), variables: variables as Record<string, unknown> });
}

// 1. Enqueue: the answer comes at once, with the new task's id.
const answer = await run(EnqueueTaskDocument, { input: { type: 'sleep', input: { ms: 2000, steps: 5 } } }).next();
if (answer.done) throw new Error('the connection closed before the answer');
const enqueued = answer.value;
if (!enqueued.data) throw new Error(enqueued.errors?.map((e) => e.message).join('; '));
const { id } = enqueued.data.enqueueTask.task;
console.log(`enqueued ${id}`);

// 2. Watch: the task at once, then after every change; the server completes it at a final state.
for await (const { data, errors } of run(TaskUpdatedDocument, { id })) {
  if (!data) throw new Error(errors?.map((e) => e.message).join('; '));
  const task = data.taskUpdated;
  const percent = Math.round(task.progress?.percent ?? 0);
  console.log(`${task.state.padEnd(9)} ${'#'.repeat(percent / 5).padEnd(20, '.')} ${percent}%`);
  if (task.state === 'SUCCEEDED') console.log('result', JSON.stringify(task.result));
}
await client.dispose();

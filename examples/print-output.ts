/**
 * A task's output live in the terminal, as a chat frontend shows a language model's answer: one
 * graphql-ws connection, an enqueued `generate` task (the built-in fake model), and its output
 * stream written out chunk by chunk as the worker produces it, until the task finishes.
 *
 *   npx tsx examples/print-output.ts                  # a new `generate` task, against `npm run dev`
 *   npx tsx examples/print-output.ts <taskId>         # an existing task's default stream
 *   TASKQL_URL=wss://tasks.example.com/graphql TASKQL_TOKEN=<jwt> npx tsx examples/print-output.ts
 *
 * Resuming is the client's part: were the connection lost, subscribing again with
 * `after: <last seq>` gives exactly the chunks after it. graphql-ws sends a subscription's
 * variables again when it reconnects, so keeping `after` up to date in them is all it takes.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { EnqueueTaskDocument, TaskOutputStreamDocument } from '../schema/generated/graphql.ts';

const token = process.env['TASKQL_TOKEN'];
const client = createClient({
  url: process.env['TASKQL_URL'] ?? 'ws://localhost:4000/graphql',
  webSocketImpl: WebSocket,
  connectionParams: token ? { authorization: `Bearer ${token}` } : {},
  // Reconnect on a lost connection, as a browser tab would.
  retryAttempts: 10,
  shouldRetry: () => true,
});

/** Results of `document`, typed by it. */
function run<Result, Variables>(document: TypedDocumentNode<Result, Variables>, variables: Variables) {
  return client.iterate<Result>({ query: print(document), variables: variables as Record<string, unknown> });
}

let id = process.argv[2];
if (!id) {
  const answer = await run(EnqueueTaskDocument, { input: { type: 'generate', input: { words: 40, rate: 40 } } }).next();
  if (answer.done) throw new Error('the connection closed before the answer');
  const { data, errors } = answer.value;
  if (!data) throw new Error(errors?.map((e) => e.message).join('; '));
  id = data.enqueueTask.task.id;
  console.error(`enqueued ${id}`);
}

// Replay from the start, then live; the server completes it after the task's final state.
const variables = { id, after: 0 };
for await (const { data, errors } of run(TaskOutputStreamDocument, variables)) {
  if (!data) throw new Error(errors?.map((e) => e.message).join('; '));
  process.stdout.write(data.taskOutput.data);
  variables.after = data.taskOutput.seq;
}
process.stdout.write('\n');
console.error(`${variables.after} chunks`);
await client.dispose();

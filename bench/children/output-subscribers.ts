/**
 * A load-generator process holding the subscribers of one output stream — graphql-ws
 * `taskOutput` subscriptions to the API, or plain Redis subscribers of one channel for the raw
 * baseline — which times every chunk from when it was written (its `at`) to its arrival, and
 * tells the runner once each subscriber has had all of them. Its connections are opened once and
 * subscribed again for each round, so a round measures delivery, not connecting.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { Client } from 'graphql-ws';
import { parse } from 'graphql';
import { Redis } from 'ioredis';
import { connect, subscribe } from '../lib/graphql.ts';
import { wallNow } from '../lib/context.ts';
import { isMessage, type ConnectOutputCommand, type OutputDoneMessage, type OutputReadyMessage, type SubscribeOutputCommand } from './protocol.ts';

/** A chunk as both kinds carry it: its number and when it was written (ISO text or wall milliseconds). */
interface Chunk {
  seq: number;
  at: string | number;
}

/** Connections opened at once: enough to be quick, few enough not to overflow the listen backlog. */
const CONNECT_BATCH = 20;

const clients: Client[] = [];
const redises: Redis[] = [];
/** The current round's chunk handler for connection `i`. */
let handlers: ((chunk: Chunk) => void)[] = [];

const fail = (error: unknown) => {
  console.error('output-subscribers:', error);
  process.exit(1);
};
process.once('SIGTERM', () => {
  for (const client of clients) void client.dispose();
  for (const redis of redises) redis.disconnect();
  process.exit(0);
});
process.on('message', (message) => {
  if (isMessage<ConnectOutputCommand>('connect-output')(message)) connectAll(message).catch(fail);
  if (isMessage<SubscribeOutputCommand>('subscribe-output')(message)) round(message).catch(fail);
});

async function connectAll(command: ConnectOutputCommand): Promise<void> {
  for (let opened = 0; opened < command.count; opened += CONNECT_BATCH) {
    const batch = Array.from({ length: Math.min(CONNECT_BATCH, command.count - opened) }, (_, j) => opened + j);
    if (command.kind === 'graphql') {
      clients.push(...(await Promise.all(batch.map(() => connect(command.port!)))));
    } else {
      const connections = batch.map((i) => {
        const redis = new Redis(command.redisUrl!);
        redis.on('message', (_channel: string, message: string) => handlers[i]?.(JSON.parse(message) as Chunk));
        return redis;
      });
      await Promise.all(connections.map((redis) => redis.ping()));
      redises.push(...connections);
    }
  }
  process.send?.({ type: 'output-connected' } satisfies OutputReadyMessage);
}

async function round(command: SubscribeOutputCommand): Promise<void> {
  const count = clients.length + redises.length;
  const latencies = new Float64Array(count * command.expected);
  let deliveries = 0;
  let inOrder = true;
  let firstAt = 0;
  let lastAt = 0;
  let finished = 0;
  let allDone = () => {};
  const done = new Promise<void>((resolve) => (allDone = resolve));
  handlers = Array.from({ length: count }, () => {
    let last = 0;
    return (chunk: Chunk) => {
      const now = wallNow();
      if (chunk.seq !== last + 1) inOrder = false;
      last = chunk.seq;
      if (deliveries < latencies.length) latencies[deliveries] = now - (typeof chunk.at === 'number' ? chunk.at : Date.parse(chunk.at));
      deliveries++;
      firstAt ||= now;
      lastAt = now;
      if (last === command.expected && ++finished === count) allDone();
    };
  });

  if (clients.length > 0) {
    const document = parse(command.query!) as TypedDocumentNode<{ taskOutput: Chunk }, Record<string, unknown>>;
    clients.forEach((client, i) => subscribe(client, document, command.variables ?? {}, (data) => handlers[i]!(data.taskOutput)));
  } else {
    await Promise.all(redises.map((redis) => redis.subscribe(command.channel!)));
  }
  process.send?.({ type: 'output-opened' } satisfies OutputReadyMessage);
  await done;
  if (redises.length > 0) await Promise.all(redises.map((redis) => redis.unsubscribe(command.channel!)));
  const measured = Float32Array.from(latencies.subarray(0, Math.min(deliveries, latencies.length)));
  process.send?.({
    type: 'output-done',
    deliveries,
    inOrder,
    latencies: Buffer.from(measured.buffer).toString('base64'),
    firstAt,
    lastAt,
  } satisfies OutputDoneMessage);
}

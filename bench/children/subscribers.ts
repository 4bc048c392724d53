/**
 * A load-generator process holding many subscriber connections — graphql-ws subscriptions to the
 * API, or plain `ws` sockets to the raw server — which tells the runner when each event has
 * reached all of them (so the API's process never shares its CPU or memory with its clients).
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import WebSocket from 'ws';
import { connect, subscribe } from '../lib/graphql.ts';
import { wallNow } from '../lib/context.ts';
import { isMessage, type DeliveredMessage, type ReadyMessage, type SubscribeCommand } from './protocol.ts';

/** Connections opened at once: enough to be quick, few enough not to overflow the listen backlog. */
const CONNECT_BATCH = 100;

type Versioned = Record<string, { version: number }>;

const received = new Map<number, number>();
const closers: (() => void)[] = [];

let closing = false;
const fail = (error: unknown) => {
  if (closing) return;
  console.error('subscribers:', error);
  process.exit(1);
};

process.once('message', (message) => {
  if (!isMessage<SubscribeCommand>('subscribe')(message)) return;
  void open(message).catch(fail);
});

process.once('SIGTERM', () => {
  closing = true;
  for (const close of closers) close();
  process.exit(0);
});

/** Count an arrival of event `version`; report it once it has reached every connection. */
function arrived(version: number, count: number): void {
  const seen = (received.get(version) ?? 0) + 1;
  received.set(version, seen);
  if (seen === count) {
    received.delete(version);
    process.send?.({ type: 'delivered', version, last: wallNow() } satisfies DeliveredMessage);
  }
}

/**
 * Open every connection, a batch at a time; say `opened`, then `ready` once each has had its
 * first result (that result is the state at subscription time, not a measured event).
 */
async function open(command: SubscribeCommand): Promise<void> {
  let first = 0;
  let allFirst = () => {};
  const firsts = new Promise<void>((resolve) => (allFirst = resolve));
  const firstResult = () => {
    if (++first === command.count) allFirst();
  };
  for (let opened = 0; opened < command.count; opened += CONNECT_BATCH) {
    const batch = Math.min(CONNECT_BATCH, command.count - opened);
    await Promise.all(Array.from({ length: batch }, () => (command.kind === 'graphql' ? openGraphql(command, firstResult) : openRaw(command, firstResult))));
  }
  process.send?.({ type: 'opened' } satisfies ReadyMessage);
  await firsts;
  process.send?.({ type: 'ready' } satisfies ReadyMessage);
}

/** A graphql-ws subscription; resolves once the subscription is sent (not answered). */
async function openGraphql(command: SubscribeCommand, firstResult: () => void): Promise<void> {
  const client = await connect(command.port);
  closers.push(() => void client.dispose());
  const document = parse(command.query!) as TypedDocumentNode<Versioned, Record<string, unknown>>;
  let first = true;
  const { done } = subscribe(client, document, command.variables ?? {}, (data) => {
    if (first) {
      first = false;
      firstResult();
    } else arrived(data[command.field]!.version, command.count);
  });
  // A subscription the server ends (a feed closed for falling behind, say) would leave its events
  // missing and the runner waiting: fail loudly instead.
  done.then(
    () => fail(new Error('the server completed a subscription')),
    (error: unknown) => fail(error),
  );
}

/** A plain socket; it parses each message as a graphql-ws client would. Open is its first result. */
async function openRaw(command: SubscribeCommand, firstResult: () => void): Promise<void> {
  const socket = new WebSocket(`ws://127.0.0.1:${command.port}`);
  closers.push(() => socket.terminate());
  socket.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString()) as { payload: { data: Versioned } };
    arrived(message.payload.data[command.field]!.version, command.count);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  firstResult();
}

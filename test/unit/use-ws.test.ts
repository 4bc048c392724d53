/**
 * The graphql-ws transport on ws sockets (`src/api/use/ws.ts`), on loopback sockets with a small
 * schema: operations are answered, a socket that stops answering pings is dropped while one that
 * answers stays, a failure inside the protocol server is logged and closes the socket with 4500,
 * `dispose` sends every client 1001 "Going away", and messages sent ahead of their writes arrive
 * whole and in order, until the socket holds {@link SEND_AHEAD_BYTES} unsent and the sender waits.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { GraphQLObjectType, GraphQLSchema, GraphQLString } from 'graphql';
import { createClient, type ServerOptions } from 'graphql-ws';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { SEND_AHEAD_BYTES, sendAhead, useServer, type Extra } from '../../src/api/use/ws.ts';

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({ name: 'Query', fields: { hello: { type: GraphQLString, resolve: () => 'world' } } }),
});

/** A logger whose lines the test reads. */
function capturingLogger() {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

let http: Server | undefined;
let dispose: (() => unknown) | undefined;

afterEach(async () => {
  await dispose?.();
  http?.close();
  [http, dispose] = [undefined, undefined];
});

/** Serve `options` over `useServer` on a free loopback port; resolves with its URL and log lines. */
async function serve(options: ServerOptions<Record<string, unknown> | undefined, Extra>, keepAliveMs?: number) {
  http = createServer();
  const { logger, lines } = capturingLogger();
  const served = useServer(options, new WebSocketServer({ server: http }), { logger, keepAliveMs });
  dispose = () => served.dispose();
  await new Promise<void>((resolve) => http!.listen(0, '127.0.0.1', resolve));
  return { url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}`, lines };
}

/** A raw socket that has completed graphql-ws's handshake. */
async function handshake(url: string, options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  const socket = new WebSocket(url, 'graphql-transport-ws', options);
  await once(socket, 'open');
  socket.send(JSON.stringify({ type: 'connection_init' }));
  const [ack] = (await once(socket, 'message')) as [Buffer];
  expect(JSON.parse(ack.toString())).toEqual({ type: 'connection_ack' });
  return socket;
}

describe('useServer', () => {
  it('answers an operation with graphql-ws’s next and complete', async () => {
    const { url } = await serve({ schema });
    const client = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0 });
    const results = [];
    for await (const result of client.iterate({ query: '{ hello }' })) results.push(result);
    await client.dispose();
    expect(results).toEqual([{ data: { hello: 'world' } }]);
  });

  it('keeps a socket that answers pings and drops one that stops answering', async () => {
    const { url } = await serve({ schema }, 50);
    const answering = await handshake(url);
    const silent = await handshake(url, { autoPong: false });
    const [code] = (await once(silent, 'close')) as [number];
    expect(code).toBe(1006); // terminated: no close frame
    // The answering socket has been pinged since, round after round, and is still open.
    for (let round = 0; round < 3; round++) await once(answering, 'ping');
    expect(answering.readyState).toBe(WebSocket.OPEN);
    answering.close();
  });

  it('logs a failure inside the protocol server and closes the socket with 4500', async () => {
    const { url, lines } = await serve({
      schema,
      onSubscribe: () => {
        throw new Error('onSubscribe broke');
      },
    });
    const socket = await handshake(url);
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: '{ hello }' } }));
    const [code, reason] = (await once(socket, 'close')) as [number, Buffer];
    expect([code, reason.toString()]).toEqual([4500, 'Internal server error']);
    expect(lines).toContainEqual(expect.objectContaining({ level: 50, msg: 'WebSocket failure' }));
  });

  it('closes every socket with 1001 "Going away" on dispose', async () => {
    const { url } = await serve({ schema });
    const socket = await handshake(url);
    const closed = once(socket, 'close');
    await dispose!();
    dispose = undefined;
    const [code, reason] = (await closed) as [number, Buffer];
    expect([code, reason.toString()]).toEqual([1001, 'Going away']);
  });
  it('sends ahead in one turn, in order, and makes the sender wait once the socket holds 64 KiB unsent', async () => {
    let server: WebSocket | undefined;
    const { url } = await serve({ schema, onConnect: (ctx) => void (server = ctx.extra.socket) });
    const client = await handshake(url);
    const received: string[] = [];
    const all = new Promise<void>((resolve) =>
      client.on('message', (data: Buffer) => {
        received.push(data.toString());
        if (received.length === 200) resolve();
      }),
    );
    // 200 messages of 1 KiB in one turn: written together once the turn ends, so the first 64
    // are taken at once and the rest wait for the writes.
    const messages = Array.from({ length: 200 }, (_, i) => `${String(i).padStart(3, '0')}${'x'.repeat(1021)}`);
    const waits = messages.map((message) => sendAhead(server!, message));
    expect(waits.indexOf(waits.find((w) => w !== null)!)).toBe(SEND_AHEAD_BYTES / 1024);
    await Promise.all(waits.filter((w) => w !== null));
    await all;
    expect(received).toEqual(messages);
    client.close();
  });
});

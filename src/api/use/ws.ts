/**
 * graphql-ws's protocol server (`makeServer`) on a `ws` WebSocketServer: the shape of graphql-ws's
 * own `useServer` from `graphql-ws/use/ws` (options, server, keep-alive; a `Disposable` back),
 * which it calls a starter to copy and adjust. This copy keeps less per socket and per
 * subscription, which adds up at ten thousand subscribers on one process. The stock adapter
 * (graphql-ws 6.4) keeps:
 * - the HTTP upgrade request (`ctx.extra.request`, an `IncomingMessage`) for the socket's whole
 *   life; here `ctx.extra` is the socket alone;
 * - per socket, a ping `setInterval`, and per ping a pong-wait `setTimeout` and a `once('pong')`
 *   listener; here one interval pings every socket and a socket keeps one flag;
 * - per subscription, the suspended call of its async `message` listener, which awaits
 *   graphql-ws's message handler, and that handler returns only when the subscription ends;
 *   here the listener hands the message on and returns, leaving a `catch` on the handler's promise;
 * - per socket, closures for its `error` and `close` listeners (each wrapped again by `once`) and
 *   for the `send`, `close` and `onMessage` of what it hands graphql-ws; here a socket's listeners
 *   are functions shared by every socket, which look its transport up from `this`.
 * Measured with `npm run bench -- --only fan-out` (10,000 subscribers on one built API process,
 * heap + buffers per subscriber): 10.3 KiB (`taskUpdated`) and 9.8 KiB (`taskFeed`) with the
 * stock adapter and the same options, 6.9 and 6.7 KiB with this one.
 * Failures go to taskql's logger rather than the console, and an error of the server itself is
 * logged without closing every socket.
 */
import { CloseCode, handleProtocols, makeServer, type ConnectionInitMessage, type Disposable, type ServerOptions, type WebSocket as ProtocolSocket } from 'graphql-ws';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, type WebSocketServer } from 'ws';
import type { Logger } from '../../logger.ts';

/** What graphql-ws's context carries in `ctx.extra`: the socket (no upgrade request, see above). */
export interface Extra {
  readonly socket: WebSocket;
}

/** How {@link useServer} runs. */
export interface UseServerSettings {
  /** Where failures of a socket or of the server are reported. */
  logger: Logger;
  /**
   * How often every socket is pinged; one that has not answered the previous ping by then is
   * dropped. graphql-ws's own default period, 12 s, unless set.
   */
  keepAliveMs?: number;
}

/**
 * Serve graphql-ws's protocol with `options` on every socket `ws` accepts. `dispose` closes every
 * socket with 1001 "Going away" (clients reconnect elsewhere) and then the server.
 */
export function useServer<P extends ConnectionInitMessage['payload'] = ConnectionInitMessage['payload'], E extends Record<PropertyKey, unknown> = Record<PropertyKey, never>>(
  options: ServerOptions<P, Extra & Partial<E>>,
  ws: WebSocketServer,
  { logger, keepAliveMs = 12_000 }: UseServerSettings,
): Disposable {
  const server = makeServer(options);
  ws.options.handleProtocols = handleProtocols;
  ws.on('error', (err) => logger.warn({ err }, 'WebSocket server error'));
  const keepAlive = setInterval(() => {
    for (const socket of ws.clients) {
      if (socket.readyState !== socket.OPEN) continue;
      const transport = transports.get(socket);
      if (!transport) continue;
      if (transport.awaitingPong) socket.terminate();
      else {
        transport.awaitingPong = true;
        socket.ping();
      }
    }
  }, keepAliveMs);
  ws.on('connection', (socket, request: IncomingMessage) => {
    const transport = new Transport(socket, request.socket, logger);
    transports.set(socket, transport);
    // `on`, not `once`: each event comes at most once, and `once` keeps a wrapper per listener.
    socket.on('pong', onPong);
    socket.on('error', onError);
    transport.closed = server.opened(transport, { socket } as Extra & Partial<E>);
    socket.on('close', onClose);
  });
  return {
    async dispose() {
      clearInterval(keepAlive);
      for (const socket of ws.clients) socket.close(1001, 'Going away');
      // Its only error is "not running": closed already, which is what was asked.
      await new Promise<void>((resolve) => ws.close(() => resolve()));
    },
  };
}

/**
 * Send `data` on `socket`; resolves once written (at once if the socket is no longer open), as
 * graphql-ws's `send` does.
 */
export function send(socket: WebSocket, data: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.readyState !== socket.OPEN) resolve();
    else socket.send(data, TEXT, (error) => (error ? reject(error) : resolve()));
  });
}

/** A message's bytes go out as a text frame, as graphql-ws's messages are, whether given as a string or as UTF-8. */
const TEXT = { binary: false } as const;

/**
 * Bytes a socket may hold unsent while {@link sendAhead} still hands it messages without waiting
 * for each to be written: enough for a burst of small results, little enough that a subscriber
 * reading slowly holds its subscription back instead of growing the process's memory.
 */
export const SEND_AHEAD_BYTES = 64 * 1024;

/**
 * Send `data` on `socket` without waiting for it to be written, while the socket holds less than
 * {@link SEND_AHEAD_BYTES} unsent: returns null then (and when the socket is no longer open), or
 * else the promise of {@link send}. The messages sent ahead in one turn of the event loop leave
 * in one write: the socket's connection stays corked until the turn's callbacks are done. (ws
 * writes each message on its own, a system call each; a batch of output chunks to a hundred
 * subscribers is thousands of messages in one turn.)
 */
export function sendAhead(socket: WebSocket, data: string | Buffer): Promise<void> | null {
  if (socket.readyState !== socket.OPEN) return null;
  if (socket.bufferedAmount >= SEND_AHEAD_BYTES) return send(socket, data);
  transports.get(socket)?.corkForTurn();
  socket.send(data, TEXT);
  return null;
}

/** Each socket's transport, for the listeners shared by every socket (a socket is their `this`). */
const transports = new WeakMap<WebSocket, Transport>();

function onPong(this: WebSocket): void {
  const transport = transports.get(this);
  if (transport) transport.awaitingPong = false;
}

function onError(this: WebSocket, err: Error): void {
  transports.get(this)?.fail(err);
}

function onClose(this: WebSocket, code: number, reason: Buffer): void {
  void transports.get(this)?.closed?.(code, reason.toString());
}

function onMessage(this: WebSocket, data: Buffer): void {
  transports.get(this)?.receive(data.toString());
}

/** One ws socket as graphql-ws's protocol server drives it. */
class Transport implements ProtocolSocket {
  readonly #socket: WebSocket;
  /** The socket's TCP connection (what ws writes its frames to). */
  readonly #connection: Duplex;
  readonly #logger: Logger;
  /** Corked until the current turn of the event loop ends ({@link sendAhead}). */
  #corked = false;
  /** Pinged, and not answered yet: the next keep-alive round drops the socket. */
  awaitingPong = false;
  /** Tells graphql-ws the socket closed (what its `opened` returned). */
  closed: ((code: number, reason: string) => Promise<void>) | null = null;
  /** graphql-ws's handler of the client's messages. */
  #handle: ((data: string) => Promise<void>) | null = null;

  constructor(socket: WebSocket, connection: Duplex, logger: Logger) {
    this.#socket = socket;
    this.#connection = connection;
    this.#logger = logger;
  }

  /** Hold the connection's writes until the callbacks of this turn are done, then write them together. */
  corkForTurn(): void {
    if (this.#corked) return;
    this.#corked = true;
    this.#connection.cork();
    process.nextTick(() => {
      this.#corked = false;
      this.#connection.uncork();
    });
  }

  get protocol(): string {
    return this.#socket.protocol;
  }

  send(data: string): Promise<void> {
    return send(this.#socket, data);
  }

  close(code?: number, reason?: string): void {
    this.#socket.close(code, reason);
  }

  onMessage(handle: (data: string) => Promise<void>): void {
    this.#handle = handle;
    this.#socket.on('message', onMessage);
  }

  /** A message from the client, for graphql-ws (not an async method: it returns once handed on). */
  receive(data: string): void {
    this.#handle?.(data).catch((err: unknown) => this.fail(err));
  }

  /** Something failed unexpectedly: log it and close the socket. */
  fail(err: unknown): void {
    this.#logger.error({ err }, 'WebSocket failure');
    this.#socket.close(CloseCode.InternalServerError, 'Internal server error');
  }
}

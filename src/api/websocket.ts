/**
 * GraphQL subscriptions over WebSocket (graphql-ws on ws), sharing the HTTP server's port and
 * path and running through yoga's envelop, so both transports share schema, plugins and errors.
 * graphql-ws's protocol runs on the sockets through `use/ws.ts`, taskql's copy of graphql-ws's
 * `useServer` (its comment says why it is not the stock one); here are the protocol's options:
 * who may connect, the limits, and how operations run and answer.
 *
 * The caller authenticates once, in `connection_init` (`connectionParams.authorization`): a bad or
 * missing token closes the socket with 4403 before any operation runs, and a token that expires
 * while connected closes it then. Limits: subscriptions per socket, sockets per owner.
 */
import type { Server } from 'node:http';
import type { ExecutionArgs, ExecutionResult, GraphQLSchema, parse, validate } from 'graphql';
import { GraphQLError } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { isAsyncIterable, type YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Authenticator } from '../auth/authenticator.ts';
import type { Principal } from '../auth/principal.ts';
import type { Limits } from '../config.ts';
import type { Logger } from '../logger.ts';
import { toContractError } from './errors.ts';
import { hasReadyResults, type ReadyResults } from './shared-subscriptions.ts';
import { sendAhead, useServer } from './use/ws.ts';

type ExecuteFns = { execute: (args: ExecutionArgs) => unknown; subscribe: (args: ExecutionArgs) => unknown };

/** What yoga's `getEnveloped` hands out (its own typing is `any` for a context-less yoga). */
interface Enveloped extends ExecuteFns {
  schema: GraphQLSchema;
  parse: typeof parse;
  validate: typeof validate;
  contextFactory: () => unknown;
}

/** Per-socket state graphql-ws carries for us in `ctx.extra`, beside the socket. */
type SocketState = {
  principal?: Principal;
  expiry?: NodeJS.Timeout;
};

/** The close code of "too many sockets for this caller" (graphql-ws leaves 4400–4499 to apps). */
export const TOO_MANY_SOCKETS = 4429;

/** A WebSocket endpoint that can be shut down, closing every socket with a reason. */
export interface WebSocketEndpoint {
  /** Open sockets and their active subscriptions, now. */
  load(): { sockets: number; subscriptions: number };
  close(): Promise<void>;
}

/** Serve GraphQL over WebSocket at `yoga`'s endpoint on `http`, as described above. */
export function serveWebSockets(
  http: Server,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any yoga context shape
  yoga: YogaServerInstance<any, any>,
  deps: { auth: Authenticator; limits: Limits; logger: Logger },
): WebSocketEndpoint {
  const { auth, limits, logger } = deps;
  const socketsPerOwner = new Map<string, number>();
  const open = new Set<{ subscriptions: Record<string, unknown> }>();
  // Only upgrades to the GraphQL endpoint: others are left to whoever serves them on `http`
  // (Vite's hot reload, in development) and answered by the API server when nobody does.
  const wss = new WebSocketServer({ noServer: true });
  http.on('upgrade', (request, socket, head) => {
    if ((request.url ?? '/').split('?', 1)[0] !== yoga.graphqlEndpoint) return;
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  });

  const served = useServer<Record<string, unknown> | undefined, SocketState>(
    {
      onConnect: async (ctx) => {
        const socket = ctx.extra.socket;
        let principal: Principal;
        try {
          const authorization = ctx.connectionParams?.['authorization'];
          principal = await auth.authenticate(typeof authorization === 'string' ? authorization : null);
        } catch {
          return false; // graphql-ws closes with 4403 Forbidden
        }
        const held = socketsPerOwner.get(principal.owner) ?? 0;
        if (held >= limits.socketsPerOwner) {
          socket.close(TOO_MANY_SOCKETS, `at most ${limits.socketsPerOwner} WebSockets per caller`);
          return false;
        }
        socketsPerOwner.set(principal.owner, held + 1);
        ctx.extra.principal = principal;
        open.add(ctx);
        if (principal.expiresAt) {
          const ms = principal.expiresAt.getTime() - Date.now();
          ctx.extra.expiry = setTimeout(() => socket.close(CloseCode.Forbidden, 'token expired'), Math.max(0, ms));
        }
        return true;
      },
      onClose: (ctx) => {
        const { principal, expiry } = ctx.extra;
        clearTimeout(expiry);
        open.delete(ctx);
        if (!principal) return;
        const left = (socketsPerOwner.get(principal.owner) ?? 1) - 1;
        if (left > 0) socketsPerOwner.set(principal.owner, left);
        else socketsPerOwner.delete(principal.owner);
      },
      execute: (args) => (args.rootValue as Executor).execute(args) as never,
      subscribe: (args) => (args.rootValue as Executor).subscribe(args) as never,
      onSubscribe: async (ctx, id, payload) => {
        if (Object.keys(ctx.subscriptions).length > limits.subscriptionsPerSocket) {
          return [new GraphQLError(`at most ${limits.subscriptionsPerSocket} subscriptions per WebSocket`, { extensions: { code: 'RATE_LIMITED' } })];
        }
        // Only what the context is made from: the operation's context lives as long as it does.
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          params: payload,
          principal: ctx.extra.principal,
        }) as Enveloped;
        let document;
        try {
          document = parse(payload.query);
          // yoga caches documents by their text: its copy of the text stands in for this message's,
          // which graphql-ws keeps for as long as the subscription lives.
          if (document.loc) (payload as { query: string }).query = document.loc.source.body;
        } catch (error) {
          return [toContractError(error)];
        }
        const errors = validate(schema, document);
        if (errors.length > 0) return errors.map(toContractError);
        let contextValue: unknown;
        try {
          contextValue = await contextFactory();
        } catch (error) {
          return [toContractError(error)]; // a rate limit, for one
        }
        return {
          schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue,
          rootValue: new Executor(execute, subscribe, ctx.extra.socket, id),
        };
      },
    },
    wss,
    { logger },
  );

  return {
    load: () => ({
      sockets: open.size,
      subscriptions: [...open].reduce((n, ctx) => n + Object.values(ctx.subscriptions).filter(Boolean).length, 0),
    }),
    async close() {
      await served.dispose();
    },
  };
}

/**
 * One operation's execute and subscribe, as envelop made them for its caller; graphql-ws calls
 * them with the arguments `onSubscribe` returned. A subscription's results are sent by a
 * {@link ResultSender}.
 */
class Executor implements ExecuteFns {
  readonly #execute: ExecuteFns['execute'];
  readonly #subscribe: ExecuteFns['subscribe'];
  readonly #socket: WebSocket;
  readonly #id: string;

  constructor(execute: ExecuteFns['execute'], subscribe: ExecuteFns['subscribe'], socket: WebSocket, id: string) {
    this.#execute = execute;
    this.#subscribe = subscribe;
    this.#socket = socket;
    this.#id = id;
  }

  execute(args: ExecutionArgs): unknown {
    return this.#execute(args);
  }

  async subscribe(args: ExecutionArgs): Promise<unknown> {
    const results = await this.#subscribe(args);
    return isAsyncIterable(results) ? new ResultSender(results as AsyncIterable<ExecutionResult>, this.#socket, this.#id) : results;
  }
}

/** The JSON of results sent, as UTF-8, so a result shared by many subscriptions is serialised and encoded once. */
const serialised = new WeakMap<ExecutionResult, Buffer>();
/** What closes a `next` message after its payload. */
const MESSAGE_END = Buffer.from('}');

/**
 * Sends each of a subscription's results to its socket as the `next` message, and ends when they
 * end. graphql-ws would serialise each result whole for every subscription; here the result's
 * JSON is made once however many subscriptions share the result (`shared-subscriptions.ts`),
 * and each message is only its id and type around it. Results are sent ahead of their writes
 * while the socket has room (`sendAhead`), so a burst leaves in one write, and waited for once it
 * has not; either way in order, so graphql-ws's `complete` or `error` message, sent once every
 * result was handed on, still follows the last. The results of a shared subscription that have
 * arrived are taken without waiting ({@link ReadyResults}).
 */
class ResultSender implements AsyncIterableIterator<never> {
  readonly #results: AsyncIterator<ExecutionResult>;
  readonly #ready: ReadyResults | null;
  readonly #socket: WebSocket;
  /** The message up to its payload: `{"id":…,"type":"next","payload":`, as UTF-8. */
  readonly #head: Buffer;
  #ended: (step: IteratorResult<never>) => void = () => {};
  #failed: (error: unknown) => void = () => {};

  constructor(results: AsyncIterable<ExecutionResult>, socket: WebSocket, id: string) {
    this.#results = results[Symbol.asyncIterator]();
    this.#ready = hasReadyResults(this.#results) ? this.#results : null;
    this.#socket = socket;
    this.#head = Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`);
  }

  /** Resolves once every result has been sent (graphql-ws calls it once). */
  next(): Promise<IteratorResult<never>> {
    return new Promise((resolve, reject) => {
      this.#ended = resolve;
      this.#failed = reject;
      this.#sendNext();
    });
  }

  // Each step starts the next and returns nothing, so no promise is left waiting on the one
  // after it: a chain of promises each resolved with the next would keep one per result sent for
  // the subscription's whole life. Nor an async loop: its suspended frame is larger than the one
  // pending promise here, and every subscription waits most of its life.
  #sendNext(): void {
    this.#results
      .next()
      .then((step) => {
        if (step.done) return this.#ended({ done: true, value: undefined });
        for (let result: ExecutionResult | undefined = step.value; result; result = this.#ready?.takeReady()) {
          const written = this.#send(result);
          if (written) return written.then(() => this.#sendNext());
        }
        this.#sendNext();
      })
      .catch(this.#failed);
  }

  /** Send `result`'s `next` message: null once handed to the socket, or a promise once the socket has room again. */
  #send(result: ExecutionResult): Promise<void> | null {
    let json = serialised.get(result);
    if (json === undefined) serialised.set(result, (json = Buffer.from(JSON.stringify(result))));
    // One copy of bytes encoded once, where a string would be encoded again for every subscriber.
    return sendAhead(this.#socket, Buffer.concat([this.#head, json, MESSAGE_END], this.#head.length + json.length + 1));
  }

  async return(): Promise<IteratorResult<never>> {
    await this.#results.return?.();
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

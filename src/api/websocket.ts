/**
 * GraphQL subscriptions over WebSocket (graphql-ws on ws), sharing the HTTP server's port and
 * path and running through yoga's envelop, so both transports share schema, plugins and errors.
 *
 * The caller authenticates once, in `connection_init` (`connectionParams.authorization`): a bad or
 * missing token closes the socket with 4403 before any operation runs, and a token that expires
 * while connected closes it then. Limits: subscriptions per socket, sockets per owner.
 */
import type { Server } from 'node:http';
import type { ExecutionArgs, GraphQLSchema, parse, validate } from 'graphql';
import { GraphQLError } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Authenticator } from '../auth/authenticator.ts';
import type { Principal } from '../auth/principal.ts';
import type { Limits } from '../config.ts';
import type { Logger } from '../logger.ts';
import { toContractError } from './errors.ts';

type ExecuteFns = { execute: (args: ExecutionArgs) => unknown; subscribe: (args: ExecutionArgs) => unknown };

/** What yoga's `getEnveloped` hands out (its own typing is `any` for a context-less yoga). */
interface Enveloped extends ExecuteFns {
  schema: GraphQLSchema;
  parse: typeof parse;
  validate: typeof validate;
  contextFactory: () => unknown;
}

/** Per-socket state graphql-ws carries for us in `ctx.extra`. */
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

export function serveWebSockets(
  http: Server,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any yoga context shape
  yoga: YogaServerInstance<any, any>,
  deps: { auth: Authenticator; limits: Limits; logger: Logger },
): WebSocketEndpoint {
  const { auth, limits, logger } = deps;
  const socketsPerOwner = new Map<string, number>();
  const open = new Set<{ subscriptions: Record<string, unknown> }>();
  const wss = new WebSocketServer({ server: http, path: yoga.graphqlEndpoint });

  const disposable = useServer<Record<string, unknown> | undefined, SocketState>(
    {
      onConnect: async (ctx) => {
        const socket: WebSocket = ctx.extra.socket;
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
      execute: (args) => (args.rootValue as ExecuteFns).execute(args) as never,
      subscribe: (args) => (args.rootValue as ExecuteFns).subscribe(args) as never,
      onSubscribe: async (ctx, _id, payload) => {
        if (Object.keys(ctx.subscriptions).length > limits.subscriptionsPerSocket) {
          return [new GraphQLError(`at most ${limits.subscriptionsPerSocket} subscriptions per WebSocket`, { extensions: { code: 'RATE_LIMITED' } })];
        }
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
          principal: ctx.extra.principal,
        }) as Enveloped;
        let document;
        try {
          document = parse(payload.query);
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
        return { schema, operationName: payload.operationName, document, variableValues: payload.variables, contextValue, rootValue: { execute, subscribe } };
      },
    },
    wss,
  );
  wss.on('error', (err) => logger.warn({ err }, 'WebSocket server error'));

  return {
    load: () => ({
      sockets: open.size,
      subscriptions: [...open].reduce((n, ctx) => n + Object.values(ctx.subscriptions).filter(Boolean).length, 0),
    }),
    async close() {
      // graphql-ws closes every socket with 1001 "Going away": clients reconnect elsewhere.
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

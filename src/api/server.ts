/**
 * The API server: one HTTP server on one port carrying GraphQL over HTTP (graphql-yoga),
 * GraphiQL, `/health`, `/ready`, and GraphQL subscriptions over WebSocket (graphql-ws on ws) at
 * the same `/graphql` path.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExecutionArgs, GraphQLSchema, parse, validate } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { createYoga, useReadinessCheck } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import { schema, type SchemaContext } from '../../schema/index.ts';
import type { Runtime } from '../runtime.ts';
import { toContractError, useContractErrorCodes } from './errors.ts';
import { GRAPHIQL_DEFAULT_QUERY } from './graphiql.ts';

/** A running API server. */
export interface ApiServer {
  /** The port it listens on (useful when started on port 0). */
  port: number;
  /** Stop accepting, close every WebSocket and wait for HTTP connections to end. */
  close(): Promise<void>;
}

type ExecuteFns = { execute: (args: ExecutionArgs) => unknown; subscribe: (args: ExecutionArgs) => unknown };

/** What yoga's `getEnveloped` hands out (its own typing is `any` for a context-less yoga). */
interface Enveloped extends ExecuteFns {
  schema: GraphQLSchema;
  parse: typeof parse;
  validate: typeof validate;
  contextFactory: () => unknown;
}

/** Start serving `runtime` on `config.port` (`port` overrides it, 0 for any free port). */
export async function startApiServer(runtime: Runtime, port = runtime.config.port): Promise<ApiServer> {
  const { config, logger } = runtime;
  const context: SchemaContext = {
    tasks: runtime.tasks,
    taskTypes: runtime.types,
    queues: runtime.queueService,
    queueStats: runtime.queueStatsFeeds,
  };

  const yoga = createYoga({
    schema,
    context: () => context,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health',
    landingPage: false,
    maxRequestBodySize: config.maxRequestBytes,
    graphiql: config.graphiql && { subscriptionsProtocol: 'WS', defaultQuery: GRAPHIQL_DEFAULT_QUERY, title: 'taskql' },
    maskedErrors: { maskError: (error) => toContractError(error) },
    logging: {
      debug: (...args) => logger.debug(args.map(String).join(' ')),
      info: (...args) => logger.info(args.map(String).join(' ')),
      warn: (...args) => logger.warn(args.map(String).join(' ')),
      error: (...args) => logger.error({ err: args.find((a) => a instanceof Error) }, args.map(String).join(' ')),
    },
    plugins: [useReadinessCheck({ endpoint: '/ready', check: () => runtime.ping() }), useContractErrorCodes()],
  });

  const http = createServer(yoga.requestListener);
  const wss = new WebSocketServer({ server: http, path: yoga.graphqlEndpoint });
  const ws = useServer(
    {
      execute: (args) => (args.rootValue as ExecuteFns).execute(args) as never,
      subscribe: (args) => (args.rootValue as ExecuteFns).subscribe(args) as never,
      // The documented way to run graphql-ws through yoga's envelop, so both transports share
      // the same schema, plugins and error masking.
      onSubscribe: async (ctx, _id, payload) => {
        const { schema: enveloped, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
        }) as Enveloped;
        let document;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [toContractError(error)];
        }
        const errors = validate(enveloped, document);
        if (errors.length > 0) return errors.map(toContractError);
        return {
          schema: enveloped,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
      },
    },
    wss,
  );

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, config.host, resolve);
  });
  const listening = (http.address() as AddressInfo).port;
  logger.info({ port: listening }, `taskql API listening on http://localhost:${listening}/graphql`);

  return {
    port: listening,
    async close() {
      await ws.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await closeHttp(http);
    },
  };
}

function closeHttp(http: Server): Promise<void> {
  return new Promise((resolve) => {
    http.close(() => resolve());
    http.closeIdleConnections();
  });
}

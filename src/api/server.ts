/**
 * The API server: one HTTP server on one port carrying the dashboard at `/`, GraphQL over HTTP
 * (graphql-yoga), GraphiQL, `/health`, `/ready`, `/metrics`, and GraphQL subscriptions over WebSocket at the same
 * `/graphql` path (`websocket.ts`). Every request is authenticated (unless authentication is
 * turned off for development) and held to the limits of docs/security.md.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { createYoga, type Plugin } from 'graphql-yoga';
import type { GraphQLSchema } from 'graphql';
import { Authenticator } from '../auth/authenticator.ts';
import type { Principal } from '../auth/principal.ts';
import type { Logger } from '../logger.ts';
import type { Runtime } from '../runtime.ts';
import { withIncomingTrace } from '../tracing/task-spans.ts';
import type { RequestContext } from './context.ts';
import { serveDashboard } from './dashboard.ts';
import { toContractError, useContractErrorCodes, yogaLogging } from './errors.ts';
import { GRAPHIQL_DEFAULT_QUERY, renderGraphiQL } from './graphiql.ts';
import { ReadinessCheck, serveProbes } from './health.ts';
import { ApiMetrics } from './metrics.ts';
import { usePageSizeCheck } from './page-size.ts';
import { RateLimits, useRateLimits } from './rate-limits.ts';
import { useRequestBodyLimit } from './request-body-limit.ts';
import { useSharedSubscriptions } from './shared-subscriptions.ts';
import { useWebSocketSubscriptionsOnly } from './subscription-transport.ts';
import { serveWebSockets } from './websocket.ts';

/** A running API server. */
export interface ApiServer {
  /** The port it listens on (useful when started on port 0). */
  port: number;
  /**
   * Shut down gracefully: report not-ready, stop accepting, close every WebSocket with "going
   * away" (clients reconnect elsewhere), and wait for in-flight HTTP requests to finish.
   */
  close(): Promise<void>;
}

/**
 * Start serving `runtime` on `config.port` (`port` overrides it, 0 for any free port).
 *
 * @param schema the GraphQL schema (`schema/index.ts`), written against {@link RequestContext}
 */
export async function startApiServer(runtime: Runtime, schema: GraphQLSchema, port = runtime.config.port): Promise<ApiServer> {
  const { config, logger } = runtime;
  const auth = await Authenticator.create(config.auth);
  const rateLimits = new RateLimits(runtime.redis, config.redisPrefix, {
    mutation: config.limits.mutationsPerMinute,
    subscription: config.limits.subscriptionsPerMinute,
  });
  let draining = false;
  let load = () => ({ sockets: 0, subscriptions: 0 });
  const metrics = new ApiMetrics(
    async () => (await runtime.queueService.count(null, null)).map(({ name, workers: _w, paused: _p, concurrencyLimit: _c, rateLimit: _r, ...counts }) => ({ name, counts })),
    () => load(),
  );
  const unwatch = runtime.bus.watchSummaries({ onSummary: (summary) => metrics.observe(summary), onResync: () => {} });
  const services = {
    tasks: runtime.tasks,
    output: runtime.output,
    taskTypes: runtime.types,
    queues: runtime.queueService,
    queueStats: runtime.queueStatsFeeds,
    schedules: runtime.schedules,
    flows: runtime.flows,
    children: runtime.children,
    auth,
    delivered: (recordedAt: Date) => metrics.delivered(recordedAt),
  };

  const yoga = createYoga<{ principal?: Principal }, RequestContext>({
    schema,
    // The WebSocket side authenticated at connection_init and passes its principal along.
    context: async ({ request, principal }) => ({
      ...services,
      principal: principal ?? (await auth.authenticate(request.headers.get('authorization'))),
    }),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // Checked by useRequestBodyLimit instead (request-body-limit.ts says why).
    maxRequestBodySize: false,
    graphiql: config.graphiql && { subscriptionsProtocol: 'WS', defaultQuery: GRAPHIQL_DEFAULT_QUERY, title: 'taskql' },
    // GraphiQL bundled in the page rather than loaded from a CDN, so it works on closed networks.
    renderGraphiQL,
    maskedErrors: { maskError: (error) => toContractError(error) },
    logging: yogaLogging(logger),
    plugins: [
      useRequestBodyLimit(config.maxRequestBytes),
      useMetricsEndpoint(metrics),
      useRequestLog(logger),
      useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf'] }),
      ...(config.introspection ? [] : [useDisableIntrospection()]),
      // Before the limits: a page size out of range is named as such, not as a query cost.
      usePageSizeCheck(),
      EnvelopArmorPlugin({
        maxDepth: { n: config.limits.depth },
        maxAliases: { n: config.limits.aliases },
        maxTokens: { n: config.limits.tokens },
        maxDirectives: { n: config.limits.directives },
        costLimit: { maxCost: config.limits.cost },
        blockFieldSuggestion: { enabled: true },
      }),
      useWebSocketSubscriptionsOnly(),
      useRateLimits(rateLimits),
      // It ends the subscribe phase of shared subscriptions itself: a plugin whose `onSubscribe`
      // must run for every subscriber goes before it.
      useSharedSubscriptions(),
      useContractErrorCodes(),
    ],
  });

  const probes = serveProbes(
    new ReadinessCheck([
      { name: 'mongodb', ping: () => runtime.db.command({ ping: 1 }) },
      { name: 'redis', ping: () => runtime.redis.ping() },
    ]),
    () => draining,
  );
  const http = createServer((request, response) => {
    // In the caller's trace (its `traceparent`), so that what the request enqueues continues it.
    if (!probes(request, response)) dashboard.handle(request, response, () => withIncomingTrace(request.headers, () => void yoga.requestListener(request, response)));
  });
  const dashboard = await serveDashboard(config.dashboard, logger, http);
  // A WebSocket upgrade that neither the GraphQL endpoint nor the dashboard serves.
  http.on('upgrade', (request, socket) => {
    if ((request.url ?? '/').split('?', 1)[0] === yoga.graphqlEndpoint || dashboard.takesUpgrade(request)) return;
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  const ws = serveWebSockets(http, yoga, { auth, limits: config.limits, logger });
  load = () => ws.load();

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, config.host, resolve);
  });
  const listening = (http.address() as AddressInfo).port;
  if (auth.disabled) {
    logger.warn('AUTHENTICATION IS DISABLED (AUTH_DISABLED=true): every caller may see and do everything. Development only.');
  }
  logger.info({ port: listening }, `taskql API listening on http://localhost:${listening}/graphql`);

  return {
    port: listening,
    async close() {
      draining = true;
      unwatch();
      await ws.close();
      await closeHttp(http);
      await dashboard.close();
    },
  };
}

/** Serves Prometheus metrics at `/metrics`. */
function useMetricsEndpoint(metrics: ApiMetrics): Plugin {
  return {
    onRequest: async (payload) => {
      if (payload.url.pathname !== '/metrics') return;
      const { fetchAPI } = payload;
      payload.endResponse(new fetchAPI.Response(await metrics.registry.metrics(), { headers: { 'content-type': metrics.registry.contentType } }));
    },
  };
}

/** One structured log line per HTTP request, with a request id (the caller's `x-request-id`, or new). */
function useRequestLog(logger: Logger): Plugin {
  const started = new WeakMap<Request, { at: number; id: string }>();
  return {
    onRequest: ({ request }) => {
      started.set(request, { at: performance.now(), id: request.headers.get('x-request-id') ?? randomUUID() });
    },
    onResponse: ({ request, response }) => {
      const start = started.get(request);
      if (!start) return;
      response.headers.set('x-request-id', start.id);
      const url = new URL(request.url);
      logger.info(
        { requestId: start.id, method: request.method, path: url.pathname, status: response.status, ms: Math.round(performance.now() - start.at) },
        'request',
      );
    },
  };
}

function closeHttp(http: Server): Promise<void> {
  return new Promise((resolve) => {
    http.close(() => resolve());
    http.closeIdleConnections();
  });
}

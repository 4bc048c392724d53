/**
 * Subscriptions over WebSocket only. graphql-yoga would also serve them over HTTP as Server-Sent
 * Events, but that path would bypass what governs subscriptions here — the per-owner socket
 * limit, the per-socket subscription limit, the `taskql_subscriptions_active` gauge and the
 * "going away" close on shutdown all live in the WebSocket transport (`use/ws.ts`). So an HTTP
 * subscription is answered with one clear error instead.
 */
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** The answer to a subscription sent over HTTP. */
export const SUBSCRIPTIONS_OVER_WEBSOCKET =
  'subscriptions are served over WebSocket only: connect to ws(s)://<host>/graphql with the graphql-transport-ws protocol (graphql-ws); HTTP (including Server-Sent Events) serves queries and mutations';

/**
 * Refuses subscriptions that arrive over HTTP (BAD_USER_INPUT). An operation from the WebSocket
 * transport has no `request` in its context (it authenticated at connection_init); one from
 * HTTP has. Goes before every plugin whose `onSubscribe` starts work for a subscriber.
 */
export function useWebSocketSubscriptionsOnly(): Plugin<{ request?: Request }> {
  return {
    onSubscribe: ({ args, setResultAndStopExecution }) => {
      if (args.contextValue.request) {
        setResultAndStopExecution({ errors: [new GraphQLError(SUBSCRIPTIONS_OVER_WEBSOCKET, { extensions: { code: 'BAD_USER_INPUT' } })] });
      }
    },
  };
}

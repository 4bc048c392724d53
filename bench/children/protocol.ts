/** The IPC messages between the runner and its load-generator children. */

/** runner → subscribers: open `count` connections to 127.0.0.1:`port` and subscribe. */
export interface SubscribeCommand {
  type: 'subscribe';
  /** `graphql`: graphql-ws subscriptions with `query`; `raw`: plain `ws` sockets. */
  kind: 'graphql' | 'raw';
  port: number;
  count: number;
  /** graphql: the subscription document and its variables. */
  query?: string;
  variables?: Record<string, unknown>;
  /**
   * The root field whose `version` identifies an event (graphql: `data[field].version`; raw: the
   * same path inside the `next` message the raw server broadcasts).
   */
  field: string;
}

/**
 * subscribers → runner: `opened` once every connection is open (graphql: and has sent its
 * subscription); `ready` once every connection has had its first result (raw: once open). A
 * subscription that sends nothing at once (`taskFeed`) has its first result when the runner
 * records a change it matches.
 */
export interface ReadyMessage {
  type: 'opened' | 'ready';
}

/** subscribers → runner: event `version` reached every connection of this child; `last` is when the last got it. */
export interface DeliveredMessage {
  type: 'delivered';
  version: number;
  last: number;
}

/** raw-ws-server → runner: listening on `port`. */
export interface ListeningMessage {
  type: 'listening';
  port: number;
}

/** runner → raw-worker: answer once `total` jobs have completed since the start. */
export interface AwaitCommand {
  type: 'await';
  total: number;
}

/** raw-worker → runner: ready to take jobs, or `total` jobs have completed. */
export interface WorkerMessage {
  type: 'worker-ready' | 'completed';
  total: number;
}

/** A type guard for the IPC message of type `type`. */
export function isMessage<T extends { type: string }>(type: T['type']): (message: unknown) => message is T {
  return (message: unknown): message is T =>
    typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;
}

/**
 * runner → output-subscribers: open `count` connections, kept for every round — graphql-ws
 * connections to the API at `port`, or Redis subscriber connections to `redisUrl`.
 */
export interface ConnectOutputCommand {
  type: 'connect-output';
  kind: 'graphql' | 'redis';
  count: number;
  port?: number;
  redisUrl?: string;
}

/**
 * runner → output-subscribers: subscribe every connection, each expecting `expected` chunks —
 * `taskOutput` with `query` and `variables`, or Redis `channel` — and time each chunk from its
 * `at` to its arrival.
 */
export interface SubscribeOutputCommand {
  type: 'subscribe-output';
  expected: number;
  query?: string;
  variables?: Record<string, unknown>;
  channel?: string;
}

/** output-subscribers → runner: the connections are open, or every subscription is sent (graphql) or confirmed (redis). */
export interface OutputReadyMessage {
  type: 'output-connected' | 'output-opened';
}

/**
 * output-subscribers → runner: every subscriber has had its `expected` chunks. `deliveries` counts
 * them all, `inOrder` says whether each subscriber got seq 1, 2, … with none missing or twice,
 * `latencies` are each delivery's write → arrival (ms, a Float32Array's bytes in base64: a few MB
 * for a round, where a JSON array would be several times that), `firstAt` / `lastAt` the wall
 * times of the first and last arrival.
 */
export interface OutputDoneMessage {
  type: 'output-done';
  deliveries: number;
  inOrder: boolean;
  latencies: string;
  firstAt: number;
  lastAt: number;
}

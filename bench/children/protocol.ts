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

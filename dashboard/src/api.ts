/**
 * The dashboard's one connection to taskql: a graphql-ws client on `/graphql` carrying queries,
 * mutations and subscriptions, with the typed operations of schema/operations/*.graphql. It
 * reconnects by itself and tells its listeners when it did, so views can catch up on what a
 * live feed (which has no replay) missed meanwhile.
 */
import { createClient, type Client, type ExecutionResult } from 'graphql-ws';
import type { TypedDocumentString } from './generated/graphql.ts';

/** One GraphQL error as taskql sends it (see the contract's error codes). */
export interface ApiErrorEntry {
  message: string;
  extensions?: { code?: string; issues?: { path: string; message: string }[] };
}

/** An operation answered with errors. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(readonly errors: readonly ApiErrorEntry[]) {
    super(errors.map((e) => e.message).join('; ') || 'request failed');
  }

  /** The contract's `extensions.code` of the first error. */
  get code(): string | undefined {
    return this.errors[0]?.extensions?.code;
  }
}

/** Where the connection stands, for the header's indicator and the sign-in prompt. */
export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'unauthorized';

/** What a subscription reports. */
export interface SubscriptionHandlers<T> {
  next(data: T): void;
  error?(error: ApiError): void;
  complete?(): void;
}

/** The WebSocket close code with which taskql refuses missing, invalid or expired credentials. */
const FORBIDDEN_CLOSE = 4403;

/** The dashboard's connection to one taskql API: operations over graphql-ws, and its status. */
export class Api {
  readonly #client: Client;
  readonly #statusListeners = new Set<(status: ConnectionStatus) => void>();
  readonly #reconnectListeners = new Set<() => void>();
  #status: ConnectionStatus = 'connecting';

  /** Connect to `url` (ws: or wss:), presenting `token` when there is one. */
  constructor(url: string, token: string | null) {
    this.#client = createClient({
      url,
      connectionParams: token ? { authorization: `Bearer ${token}` } : {},
      // A dashboard stays open for days: keep trying through restarts and deploys (with
      // graphql-ws's randomised back-off), but not with credentials the server refused.
      retryAttempts: Number.POSITIVE_INFINITY,
      // Connected from the start and kept so, so that the status shown is the connection's, not
      // whether some subscription happens to be running.
      lazy: false,
      onNonLazyError: () => {},
      shouldRetry: (event) => !isClose(event, FORBIDDEN_CLOSE),
      keepAlive: 15_000,
      on: {
        connected: (_socket, _payload, wasRetry) => {
          this.#setStatus('connected');
          if (wasRetry) for (const listener of this.#reconnectListeners) listener();
        },
        closed: (event) => this.#setStatus(isClose(event, FORBIDDEN_CLOSE) ? 'unauthorized' : 'reconnecting'),
      },
    });
  }

  get status(): ConnectionStatus {
    return this.#status;
  }

  /** Call `listener` on every status change; returns the unsubscribe. */
  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  /** Call `listener` after each reconnection; returns the unsubscribe. */
  onReconnect(listener: () => void): () => void {
    this.#reconnectListeners.add(listener);
    return () => this.#reconnectListeners.delete(listener);
  }

  /** Run a query or mutation; rejects with `ApiError` when the answer has errors. */
  request<T, V>(document: TypedDocumentString<T, V>, variables: V): Promise<T> {
    return new Promise((resolve, reject) => {
      let settled = false;
      this.subscribe(document, variables, {
        next: (data) => {
          settled = true;
          resolve(data);
        },
        error: (error) => {
          settled = true;
          reject(error);
        },
        complete: () => {
          if (!settled) reject(new ApiError([{ message: 'no answer' }]));
        },
      });
    });
  }

  /** Run a subscription (or any operation); returns what stops it. */
  subscribe<T, V>(document: TypedDocumentString<T, V>, variables: V, handlers: SubscriptionHandlers<T>): () => void {
    return this.#client.subscribe<T>(
      { query: document.toString(), variables: variables as Record<string, unknown> },
      {
        next: (result: ExecutionResult<T>) => {
          if (result.errors?.length) handlers.error?.(new ApiError(result.errors));
          else if (result.data) handlers.next(result.data);
        },
        error: (error) => handlers.error?.(toApiError(error)),
        complete: () => handlers.complete?.(),
      },
    );
  }

  /** Close the connection for good. */
  dispose(): void {
    void this.#client.dispose();
  }

  #setStatus(status: ConnectionStatus): void {
    if (status === this.#status) return;
    this.#status = status;
    for (const listener of this.#statusListeners) listener(status);
  }
}

/** The WebSocket URL of the API serving this page (relative, so a path prefix in front is kept). */
export function graphqlUrl(page: string): string {
  const url = new URL('graphql', page);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.hash = '';
  url.search = '';
  return url.href;
}

function isClose(event: unknown, code: number): boolean {
  return typeof event === 'object' && event !== null && 'code' in event && event.code === code;
}

/** What graphql-ws hands to `error`: GraphQL errors, a close event, or an Error. */
function toApiError(error: unknown): ApiError {
  if (Array.isArray(error)) return new ApiError(error);
  if (isClose(error, FORBIDDEN_CLOSE)) return new ApiError([{ message: 'not signed in', extensions: { code: 'UNAUTHENTICATED' } }]);
  if (typeof error === 'object' && error !== null && 'reason' in error && typeof error.reason === 'string' && error.reason) {
    return new ApiError([{ message: error.reason }]);
  }
  return new ApiError([{ message: error instanceof Error ? error.message : 'connection lost' }]);
}

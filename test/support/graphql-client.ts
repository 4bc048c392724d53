/**
 * A client as a frontend would have: GraphQL over HTTP with fetch, subscriptions over a real
 * WebSocket with graphql-ws, typed by the generated documents.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type ExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { TaskEventsDocument, type TaskEventsSubscription } from '../../schema/generated/graphql.ts';

/** A subscription's results as they arrive. */
export interface Watched<T> {
  results: ExecutionResult<T>[];
  /** The results once the server completes the subscription (rejects on a socket error). */
  completed: Promise<ExecutionResult<T>[]>;
  /** Resolves with the first result matching `predicate` (already received or still to come). */
  until(predicate: (result: ExecutionResult<T>) => boolean): Promise<ExecutionResult<T>>;
  unsubscribe(): void;
}

/** Options of a {@link TestClient}. */
export interface TestClientOptions {
  /**
   * Reconnect a lost WebSocket (every 300 ms, up to 100 times in a row) and subscribe again, as
   * graphql-ws clients do in production; default false: a lost socket fails the subscriptions.
   */
  reconnect?: boolean;
}

/** How long a reconnecting client waits between attempts, and how many it makes in a row. */
const RECONNECT_WAIT_MS = 300;
const RECONNECT_ATTEMPTS = 100;

export class TestClient {
  readonly #http: string;
  readonly #ws: Client;

  /** Resolves once the WebSocket is open and acknowledged, so later subscriptions start at once. */
  readonly connected: Promise<void>;

  readonly #token: string | null;
  /** Resolves with the close event when the server closes the WebSocket. */
  readonly closed: Promise<{ code: number; reason: string }>;

  /** @param token sent as `Authorization: Bearer <token>` on HTTP and in `connectionParams` */
  constructor(port: number, token: string | null = null, options: TestClientOptions = {}) {
    this.#http = `http://127.0.0.1:${port}/graphql`;
    this.#token = token;
    this.#ws = createClient({
      url: `ws://127.0.0.1:${port}/graphql`,
      webSocketImpl: WebSocket,
      lazy: false,
      ...(options.reconnect
        ? {
            retryAttempts: RECONNECT_ATTEMPTS,
            shouldRetry: () => true,
            retryWait: () => new Promise<void>((resolve) => setTimeout(resolve, RECONNECT_WAIT_MS)),
          }
        : { retryAttempts: 0 }),
      connectionParams: token ? { authorization: `Bearer ${token}` } : {},
      onNonLazyError: () => {}, // seen through `closed`
    });
    this.connected = new Promise((resolve) => this.#ws.on('connected', () => resolve()));
    this.closed = new Promise((resolve) =>
      this.#ws.on('closed', (event) => {
        const { code, reason } = event as { code: number; reason: string };
        resolve({ code, reason });
      }),
    );
  }

  /** A query or mutation over HTTP; `headers` are sent besides the content type and token (a `traceparent`). */
  async request<T, V extends Record<string, unknown>>(
    document: TypedDocumentNode<T, V>,
    variables: V,
    headers: Record<string, string> = {},
  ): Promise<ExecutionResult<T>> {
    const response = await fetch(this.#http, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', ...(this.#token && { authorization: `Bearer ${this.#token}` }) },
      body: JSON.stringify({ query: print(document), variables }),
    });
    return (await response.json()) as ExecutionResult<T>;
  }

  /** The data of a request that must succeed. */
  async data<T, V extends Record<string, unknown>>(document: TypedDocumentNode<T, V>, variables: V, headers: Record<string, string> = {}): Promise<T> {
    const result = await this.request(document, variables, headers);
    if (result.errors?.length || !result.data) throw new Error(`request failed: ${JSON.stringify(result.errors)}`);
    return result.data;
  }

  /**
   * `taskEvents` of one task from `afterVersion` on. On a reconnecting client it resumes after the
   * last version received, as the contract tells clients to: graphql-ws sends a subscription's
   * variables again on each reconnect, and these are kept at the last version seen.
   */
  follow(id: string, afterVersion = 0): Watched<TaskEventsSubscription> {
    const variables = { id, afterVersion };
    return this.watch(TaskEventsDocument, variables, (result) => {
      variables.afterVersion = result.data?.taskEvents.version ?? variables.afterVersion;
    });
  }

  /** A subscription over the WebSocket; `onResult` sees each result before it is recorded. */
  watch<T, V extends Record<string, unknown>>(
    document: TypedDocumentNode<T, V>,
    variables: V,
    onResult?: (result: ExecutionResult<T>) => void,
  ): Watched<T> {
    const results: ExecutionResult<T>[] = [];
    const waiters: { predicate: (r: ExecutionResult<T>) => boolean; resolve: (r: ExecutionResult<T>) => void }[] = [];
    let unsubscribe = () => {};
    const completed = new Promise<ExecutionResult<T>[]>((resolve, reject) => {
      unsubscribe = this.#ws.subscribe<T>(
        { query: print(document), variables },
        {
          next: (result) => {
            onResult?.(result as ExecutionResult<T>);
            results.push(result as ExecutionResult<T>);
            for (const waiter of [...waiters]) {
              if (waiter.predicate(result as ExecutionResult<T>)) {
                waiters.splice(waiters.indexOf(waiter), 1);
                waiter.resolve(result as ExecutionResult<T>);
              }
            }
          },
          error: reject,
          complete: () => resolve(results),
        },
      );
    });
    completed.catch(() => {});
    return {
      results,
      completed,
      unsubscribe: () => unsubscribe(),
      until: (predicate) => {
        const found = results.find(predicate);
        return found ? Promise.resolve(found) : new Promise((resolve) => waiters.push({ predicate, resolve }));
      },
    };
  }

  async close(): Promise<void> {
    await this.#ws.dispose();
  }
}

/**
 * A client as a frontend would have: GraphQL over HTTP with fetch, subscriptions over a real
 * WebSocket with graphql-ws, typed by the generated documents.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type ExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/** A subscription's results as they arrive. */
export interface Watched<T> {
  results: ExecutionResult<T>[];
  /** The results once the server completes the subscription (rejects on a socket error). */
  completed: Promise<ExecutionResult<T>[]>;
  /** Resolves with the first result matching `predicate` (already received or still to come). */
  until(predicate: (result: ExecutionResult<T>) => boolean): Promise<ExecutionResult<T>>;
  unsubscribe(): void;
}

export class TestClient {
  readonly #http: string;
  readonly #ws: Client;

  /** Resolves once the WebSocket is open and acknowledged, so later subscriptions start at once. */
  readonly connected: Promise<void>;

  constructor(port: number) {
    this.#http = `http://127.0.0.1:${port}/graphql`;
    this.#ws = createClient({ url: `ws://127.0.0.1:${port}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false });
    this.connected = new Promise((resolve) => this.#ws.on('connected', () => resolve()));
  }

  /** A query or mutation over HTTP. */
  async request<T, V extends Record<string, unknown>>(document: TypedDocumentNode<T, V>, variables: V): Promise<ExecutionResult<T>> {
    const response = await fetch(this.#http, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: print(document), variables }),
    });
    return (await response.json()) as ExecutionResult<T>;
  }

  /** The data of a request that must succeed. */
  async data<T, V extends Record<string, unknown>>(document: TypedDocumentNode<T, V>, variables: V): Promise<T> {
    const result = await this.request(document, variables);
    if (result.errors?.length || !result.data) throw new Error(`request failed: ${JSON.stringify(result.errors)}`);
    return result.data;
  }

  /** A subscription over the WebSocket. */
  watch<T, V extends Record<string, unknown>>(document: TypedDocumentNode<T, V>, variables: V): Watched<T> {
    const results: ExecutionResult<T>[] = [];
    const waiters: { predicate: (r: ExecutionResult<T>) => boolean; resolve: (r: ExecutionResult<T>) => void }[] = [];
    let unsubscribe = () => {};
    const completed = new Promise<ExecutionResult<T>[]>((resolve, reject) => {
      unsubscribe = this.#ws.subscribe<T>(
        { query: print(document), variables },
        {
          next: (result) => {
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

/**
 * The load generator's GraphQL client: requests over HTTP with fetch, subscriptions over
 * graphql-ws on `ws` — what a Node client of taskql uses — typed by the generated documents.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type ExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/** `document`'s data over HTTP; throws on any GraphQL error. */
export async function request<T, V extends Record<string, unknown>>(port: number, document: TypedDocumentNode<T, V>, variables: V): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const result = (await response.json()) as ExecutionResult<T>;
  if (result.errors?.length || !result.data) throw new Error(`request failed: ${JSON.stringify(result.errors)}`);
  return result.data;
}

/** A graphql-ws connection to the API at `port`; resolves once acknowledged. */
export async function connect(port: number): Promise<Client> {
  const client = createClient({ url: `ws://127.0.0.1:${port}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false });
  await new Promise<void>((resolve, reject) => {
    client.on('connected', () => resolve());
    client.on('closed', (event) => reject(new Error(`graphql-ws closed before connecting: ${JSON.stringify(event)}`)));
    client.on('error', (error) => reject(error instanceof Error ? error : new Error(String(error))));
  });
  return client;
}

/**
 * Subscribe with `document`; `onData` gets each result's data. Returns the unsubscribe function
 * and a promise that settles when the server completes the subscription (rejects on an error).
 */
export function subscribe<T, V extends Record<string, unknown>>(
  client: Client,
  document: TypedDocumentNode<T, V>,
  variables: V,
  onData: (data: T) => void,
): { unsubscribe: () => void; done: Promise<void> } {
  let unsubscribe = () => {};
  const done = new Promise<void>((resolve, reject) => {
    unsubscribe = client.subscribe<T>(
      { query: print(document), variables },
      {
        next: (result) => {
          if (result.data) onData(result.data);
          else reject(new Error(`subscription error: ${JSON.stringify(result.errors)}`));
        },
        error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
        complete: resolve,
      },
    );
  });
  done.catch(() => {});
  return { unsubscribe: () => unsubscribe(), done };
}

/**
 * Subscriptions are served over WebSocket only: over HTTP — Server-Sent Events on POST or GET,
 * or plain JSON — a subscription is answered with one clear BAD_USER_INPUT, so no subscriber
 * escapes the WebSocket transport's limits, metrics and shutdown.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnqueueTaskDocument, TaskUpdatedDocument } from '../../schema/generated/graphql.ts';
import { SUBSCRIPTIONS_OVER_WEBSOCKET } from '../../src/api/subscription-transport.ts';
import { startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
let url: string;
beforeAll(async () => {
  stack = await startStack('subscription_transport');
  url = `http://127.0.0.1:${stack.server.port}/graphql`;
});
afterAll(() => stack?.close());

const subscription = 'subscription { taskFeed { taskId } }';
const headers = { 'content-type': 'application/json', 'x-graphql-yoga-csrf': '1' };

describe('subscriptions over HTTP', () => {
  it.each([
    ['POST, text/event-stream', () => fetch(url, { method: 'POST', headers: { ...headers, accept: 'text/event-stream' }, body: JSON.stringify({ query: subscription }) })],
    ['GET, text/event-stream', () => fetch(`${url}?query=${encodeURIComponent(subscription)}`, { headers: { ...headers, accept: 'text/event-stream' } })],
    ['POST, application/json', () => fetch(url, { method: 'POST', headers: { ...headers, accept: 'application/json' }, body: JSON.stringify({ query: subscription }) })],
  ])('%s: answered with BAD_USER_INPUT naming the WebSocket, and the response ends', async (_, send) => {
    const response = await send();
    const body = await response.text(); // resolves only once the response has ended
    expect(body).toContain(SUBSCRIPTIONS_OVER_WEBSOCKET);
    expect(body).toContain('BAD_USER_INPUT');
  });

  it('still serves queries and mutations over HTTP, and subscriptions over WebSocket', async () => {
    const { enqueueTask } = await stack.client.data(EnqueueTaskDocument, { input: { type: 'echo', input: {} } });
    const results = await stack.client.watch(TaskUpdatedDocument, { id: enqueueTask.task.id }).completed;
    expect(results.at(-1)?.data?.taskUpdated.state).toBe('SUCCEEDED');
  });
});

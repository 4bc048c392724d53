/**
 * GraphiQL in a real browser (Debian's Chromium), with authentication on: the token typed into
 * its Headers tab reaches queries over HTTP and subscriptions over the WebSocket, and a
 * subscription's results arrive live.
 */
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EnqueueTaskDocument } from '../../schema/generated/graphql.ts';
import { launchBrowser, newPage, SCREENSHOTS } from '../support/browser.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { jwt, newSecret } from '../support/tokens.ts';

const secret = newSecret();
let stack: Stack;
let browser: Browser;
let token: string;

beforeAll(async () => {
  token = await jwt(secret, 'graphiql-user', ['tasks:read', 'tasks:write']);
  stack = await startStack('graphiql', { env: { AUTH_DISABLED: 'false', AUTH_JWT_SECRET: secret, GRAPHIQL: 'true' }, token });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

it('runs a subscription over the WebSocket with the token from the Headers tab and shows its results', async () => {
  const { enqueueTask } = await stack.client.data(EnqueueTaskDocument, { input: { type: 'sleep', input: { ms: 1500, steps: 5 } } });
  const { page, pageErrors } = await newPage(browser);
  const frames: string[] = [];
  page.on('websocket', (socket) => socket.on('framesent', (frame) => frames.push(String(frame.payload))));
  // The Headers tab's content, where GraphiQL keeps it.
  await page.addInitScript((value) => localStorage.setItem('graphiql:headers', JSON.stringify({ Authorization: `Bearer ${value}` })), token);
  const query = `subscription { taskUpdated(id: "${enqueueTask.task.id}") { state version progress { percent } } }`;
  await page.goto(`http://127.0.0.1:${stack.server.port}/graphql?query=${encodeURIComponent(query)}`);

  await page.locator('.graphiql-execute-button').click();
  const result = page.locator('.result-window');
  await result.getByText('"SUCCEEDED"').waitFor({ timeout: 20_000 });
  await page.screenshot({ path: join(SCREENSHOTS, 'graphiql-subscription.png') });

  const init = frames.map((f) => JSON.parse(f) as { type: string; payload?: Record<string, unknown> }).find((m) => m.type === 'connection_init');
  expect(init?.payload).toEqual({ authorization: `Bearer ${token}` });
  expect(pageErrors).toEqual([]);
});

it('is served from the API itself, with no request leaving for a CDN', async () => {
  const { page } = await newPage(browser);
  const hosts = new Set<string>();
  page.on('request', (request) => {
    if (!request.url().startsWith('data:') && !request.url().startsWith('blob:')) hosts.add(new URL(request.url()).host);
  });
  await page.goto(`http://127.0.0.1:${stack.server.port}/graphql`);
  await page.locator('.graphiql-execute-button').waitFor();
  expect([...hosts]).toEqual([`127.0.0.1:${stack.server.port}`]);
});

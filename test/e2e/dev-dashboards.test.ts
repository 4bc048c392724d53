/**
 * Two APIs serving the dashboard from its sources (DASHBOARD=dev, as `npm run dev` does) side by
 * side: each page's hot-reload client connects to its own API's port and is answered there, as a
 * browser's would be, and the GraphQL WebSocket on the same port is unaffected.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { TestClient } from '../support/graphql-client.ts';
import { startProcess, startTogether, type TaskqlProcess } from '../support/processes.ts';
import { testEnv } from '../support/runtime.ts';

let apis: TaskqlProcess[] = [];

beforeAll(async () => {
  apis = await startTogether([startProcess('api', testEnv('dev_a', { DASHBOARD: 'dev' })), startProcess('api', testEnv('dev_b', { DASHBOARD: 'dev' }))]);
}, 120_000);

afterAll(async () => {
  await Promise.all(apis.map((api) => api.stop()));
});

/** Where the page's hot-reload client connects, read from the client module Vite serves to it. */
async function hotReloadTarget(port: number): Promise<{ port: string; path: string; token: string }> {
  const page = await fetch(`http://127.0.0.1:${port}/`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('/@vite/client');
  const client = await (await fetch(`http://127.0.0.1:${port}/@vite/client`)).text();
  // As Vite writes them in: `const hmrPort = <port or null>;`, the socket's host and path, the token.
  const hmrPort = /const hmrPort = (\w+);/.exec(client)?.[1];
  const path = /const socketHost = `[^`]*\$\{hmrPort \|\| importMetaUrl\.port\}\$\{"([^"]*)"\}`/.exec(client)?.[1];
  const token = /const wsToken = "([^"]+)";/.exec(client)?.[1];
  if (!hmrPort || path === undefined || !token) throw new Error(`unexpected Vite client: ${client.slice(0, 200)}`);
  return { port: hmrPort === 'null' ? String(port) : hmrPort, path, token };
}

/** The first message on a socket to `url` with `protocol`, or why it could not open. */
function firstMessage(url: string, protocol: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, protocol);
    socket.once('message', (data: Buffer) => {
      resolve(data.toString());
      socket.close();
    });
    socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
    socket.once('error', reject);
  });
}

it("gives each dev dashboard a hot-reload socket on its own API's port, answered there", async () => {
  for (const api of apis) {
    const target = await hotReloadTarget(api.port);
    expect(target.port, 'the page connects to the port it was loaded from').toBe(String(api.port));
    const connected = await firstMessage(`ws://127.0.0.1:${target.port}${target.path}?token=${target.token}`, 'vite-hmr');
    expect(JSON.parse(connected)).toEqual({ type: 'connected' });
  }
});

it('keeps GraphQL over WebSocket on the same port, and refuses upgrades to paths nobody serves', async () => {
  for (const api of apis) {
    const client = new TestClient(api.port);
    await client.connected;
    await client.close();
    await expect(firstMessage(`ws://127.0.0.1:${api.port}/nowhere`, 'vite-hmr')).rejects.toThrow('HTTP 404');
  }
});

/**
 * The other ways in: RS256/ES256 tokens checked against a JWKS file, and the per-owner rate
 * limits on mutations and new subscriptions, on the real servers.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnqueueTaskDocument, TaskDocument, TaskUpdatedDocument } from '../../schema/generated/graphql.ts';
import { TestClient } from '../support/graphql-client.ts';
import { errorCode, startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
let sign: (owner: string, issuer?: string) => Promise<string>;
const clients: TestClient[] = [];

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'ES256', use: 'sig' }] };
  const file = join(await mkdtemp(join(tmpdir(), 'taskql-jwks-')), 'jwks.json');
  await writeFile(file, JSON.stringify(jwks));
  sign = (owner, issuer = 'https://id.example') =>
    new SignJWT({ scope: 'tasks:read tasks:write' })
      .setProtectedHeader({ alg: 'ES256', kid: 'test-key' })
      .setSubject(owner)
      .setIssuer(issuer)
      .setExpirationTime('10m')
      .sign(privateKey);
  stack = await startStack('credentials', {
    env: {
      AUTH_DISABLED: 'false',
      AUTH_JWKS_FILE: file,
      AUTH_JWT_ISSUER: 'https://id.example',
      RATE_LIMIT_MUTATIONS: '3',
      RATE_LIMIT_SUBSCRIPTIONS: '2',
    },
    token: await sign('operator'),
  });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await stack?.close();
});

async function as(owner: string): Promise<TestClient> {
  const client = new TestClient(stack.server.port, await sign(owner));
  clients.push(client);
  return client;
}

describe('JWKS tokens', () => {
  it('accepts an ES256 token whose key is in the JWKS and whose issuer matches', async () => {
    const client = await as('olivia');
    const { enqueueTask } = await client.data(EnqueueTaskDocument, { input: { type: 'echo' } });
    expect((await client.data(TaskDocument, { id: enqueueTask.task.id })).task?.owner).toBe('olivia');
  });

  it('refuses a token signed by another key, or naming another issuer', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ scope: 'admin' }).setProtectedHeader({ alg: 'ES256', kid: 'test-key' }).setSubject('mallory').setIssuer('https://id.example').setExpirationTime('10m').sign(privateKey);
    const wrongIssuer = await sign('olivia', 'https://elsewhere');
    for (const token of [forged, wrongIssuer]) {
      const client = new TestClient(stack.server.port, token);
      clients.push(client);
      expect(errorCode(await client.request(TaskDocument, { id: 'x' }))).toBe('UNAUTHENTICATED');
    }
  });
});

describe('rate limits', () => {
  it('answers RATE_LIMITED past the mutations an owner may make in a minute, and only for that owner', async () => {
    const peggy = await as('peggy');
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await peggy.request(EnqueueTaskDocument, { input: { type: 'echo' } }));
    expect(results.map(errorCode)).toEqual([undefined, undefined, undefined, 'RATE_LIMITED']);
    const quentin = await as('quentin');
    expect(errorCode(await quentin.request(EnqueueTaskDocument, { input: { type: 'echo' } }))).toBeUndefined();
  });

  it('answers RATE_LIMITED past the new subscriptions an owner may open in a minute', async () => {
    const rupert = await as('rupert');
    const { enqueueTask } = await rupert.data(EnqueueTaskDocument, { input: { type: 'echo', delayMs: 3_600_000 } });
    const watch = () => rupert.watch(TaskUpdatedDocument, { id: enqueueTask.task.id });
    const [first, second] = [watch(), watch()];
    await Promise.all([first.until(() => true), second.until(() => true)]);
    const third = await watch().completed;
    expect(errorCode(third[0] ?? {})).toBe('RATE_LIMITED');
  });
});

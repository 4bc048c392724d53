/**
 * With no `redis-server` on the PATH, the local servers fall back to Redis through
 * redis-memory-server, as MongoDB falls back to mongodb-memory-server. Here it is handed the
 * machine's binary (REDISMS_SYSTEM_BINARY) instead of building one, which needs internet access.
 */
import { execFileSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterEach, expect, inject, it, vi } from 'vitest';
import { startLocalServers, type LocalServers } from '../../scripts/local-servers.ts';

let servers: LocalServers | undefined;
afterEach(async () => {
  await servers?.stop();
  vi.unstubAllEnvs();
});

it('without redis-server on the PATH, Redis comes from redis-memory-server and answers', async () => {
  const binary = execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim();
  vi.stubEnv('PATH', '/nonexistent');
  vi.stubEnv('REDISMS_SYSTEM_BINARY', binary);
  const lines: string[] = [];
  servers = await startLocalServers({ env: { MONGO_URL: inject('mongoUrl') }, log: (line) => lines.push(line) });
  expect(lines).toContain('redis-server not found on the PATH; trying Redis through redis-memory-server');
  expect(servers.describe).toContain('redis-server (redis-memory-server) on 127.0.0.1:');
  const client = new Redis(servers.redisUrl);
  try {
    expect(await client.ping()).toBe('PONG');
  } finally {
    client.disconnect();
  }
});

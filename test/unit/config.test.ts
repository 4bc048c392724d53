import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';

const servers = { MONGO_URL: 'mongodb://localhost:27017/app', REDIS_URL: 'redis://localhost:6379' };

describe('loadConfig', () => {
  it('fills every default from the servers alone', () => {
    const config = loadConfig(servers);
    expect(config).toMatchObject({
      production: false,
      port: 4000,
      host: '0.0.0.0',
      mongoDatabase: 'app',
      redisPrefix: 'taskql',
      dependencyTimeoutMs: 3000,
      maxRequestBytes: 1024 * 1024,
      workerQueues: null,
      resultTtlSeconds: 7 * 24 * 3600,
      builtinTaskTypes: true,
      graphiql: true,
      introspection: true,
      dashboard: { mode: 'built' },
      auth: { disabled: false, jwtSecret: null, apiKeys: [], taskTokenSecret: null },
      limits: { inputBytes: 256 * 1024, depth: 12, cost: 20_000, socketsPerOwner: 50 },
      logLevel: 'info',
    });
    expect([...config.discardResultsFor]).toEqual([]);
    expect(config.dashboard.dir).toMatch(/dashboard[/\\]dist$/);
  });

  it('reads lists, flags and numbers from their text', () => {
    const config = loadConfig({
      ...servers,
      MONGO_DB: 'other',
      WORKER_QUEUES: ' images, default ,',
      DISCARD_RESULTS_FOR: 'echo',
      BUILTIN_TASK_TYPES: 'no',
      PORT: '8080',
      API_KEYS: '[{"key": "0123456789abcdef", "owner": "billing", "scopes": ["tasks:read"]}]',
    });
    expect(config).toMatchObject({ mongoDatabase: 'other', workerQueues: ['images', 'default'], builtinTaskTypes: false, port: 8080 });
    expect(config.discardResultsFor.has('echo')).toBe(true);
    expect(config.auth.apiKeys).toEqual([{ key: '0123456789abcdef', owner: 'billing', scopes: ['tasks:read'] }]);
  });

  it('turns GraphiQL and introspection off in production unless asked for', () => {
    expect(loadConfig({ ...servers, NODE_ENV: 'production' })).toMatchObject({ production: true, graphiql: false, introspection: false });
    expect(loadConfig({ ...servers, NODE_ENV: 'production', GRAPHIQL: 'true' }).graphiql).toBe(true);
  });

  it('names the database taskql when neither MONGO_DB nor the URL does', () => {
    expect(loadConfig({ ...servers, MONGO_URL: 'mongodb://localhost:27017' }).mongoDatabase).toBe('taskql');
  });

  it('lists every bad variable in one error', () => {
    expect(() => loadConfig({ REDIS_URL: servers.REDIS_URL, PORT: 'http', AUTH_JWT_SECRET: 'short', API_KEYS: '[' })).toThrow(
      new Error(
        'invalid configuration:\n' +
          '  PORT: Invalid input: expected number, received NaN\n' +
          '  MONGO_URL: Invalid input: expected string, received undefined\n' +
          '  AUTH_JWT_SECRET: at least 32 characters\n' +
          '  API_KEYS: not JSON',
      ),
    );
  });

  it('says what a required server looks like', () => {
    expect(() => loadConfig({ ...servers, MONGO_URL: '' })).toThrow('MONGO_URL: MONGO_URL is required (e.g. mongodb://localhost:27017/taskql)');
  });

  it('connects to one Redis by URL, to a cluster by seed nodes, or to a master by its sentinels', () => {
    expect(loadConfig(servers).redis).toEqual({ kind: 'single', url: servers.REDIS_URL });
    const { REDIS_URL: _url, ...mongoOnly } = servers;
    expect(loadConfig({ ...mongoOnly, REDIS_CLUSTER_NODES: 'r1:7000, 10.0.0.2:7001,[::1]:7002', REDIS_PASSWORD: 'pw' }).redis).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'r1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
        { host: '::1', port: 7002 },
      ],
      password: 'pw',
    });
    expect(loadConfig({ ...servers, REDIS_SENTINELS: 's1:26379,s2:26379', REDIS_SENTINEL_NAME: 'tasks' }).redis).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
      ],
      name: 'tasks',
      password: null,
    });
  });

  it('says what a Redis looks like when none is named, and which node is not host:port', () => {
    const { REDIS_URL: _url, ...mongoOnly } = servers;
    expect(() => loadConfig(mongoOnly)).toThrow(
      new Error('invalid configuration:\n  REDIS_URL: REDIS_URL is required (e.g. redis://localhost:6379), or REDIS_CLUSTER_NODES or REDIS_SENTINELS'),
    );
    expect(() => loadConfig({ ...mongoOnly, REDIS_CLUSTER_NODES: 'r1:7000,r2' })).toThrow('REDIS_CLUSTER_NODES: "r2" is not host:port');
  });

  it('refuses AUTH_DISABLED in production', () => {
    expect(() => loadConfig({ ...servers, NODE_ENV: 'production', AUTH_DISABLED: 'true' })).toThrow(
      new Error('invalid configuration:\n  AUTH_DISABLED: not allowed in production'),
    );
  });
});

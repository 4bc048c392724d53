/**
 * vitest global setup of the test files that need servers: finds or starts MongoDB and Redis once
 * per run (MONGO_URL / REDIS_URL, else throwaway local servers: TASKQL_TEST_MONGO picks FerretDB
 * or mongo-java-server, TASKQL_TEST_REDIS one Redis, a Redis Cluster or a Sentinel setup,
 * docs/test-servers.md) and hands them to the test files, which read them with
 * `inject('mongoUrl')`, `inject('redisEnv')`, `inject('mongoServer')` and `inject('redisTopology')`.
 */
import type { TestProject } from 'vitest/node';
import { identifyMongo, redisTopologyFromEnv, startLocalServers, type LocalRedisTopology, type MongoServerKind } from '../scripts/local-servers.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The MongoDB server of this run, without a database name: each test file picks its own. */
    mongoUrl: string;
    /** What serves `mongoUrl`, for tests that only some servers can answer (their skip says why). */
    mongoServer: MongoServerKind;
    /** A Redis server of this run (of a cluster, one node), for tests that talk to Redis themselves. */
    redisUrl: string;
    /**
     * The variables that name this run's Redis to taskql (REDIS_URL, or REDIS_CLUSTER_NODES, or
     * REDIS_SENTINELS and REDIS_SENTINEL_NAME): each test file picks its own key prefix.
     */
    redisEnv: Record<string, string>;
    /** Which kind of Redis `redisEnv` names, for tests that only some can answer (their skip says why). */
    redisTopology: LocalRedisTopology;
  }
}

/** Starts the servers and provides their URLs; the returned teardown stops them. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const redisTopology = redisTopologyFromEnv(process.env) ?? 'single';
  const servers = await startLocalServers({ redisTopology });
  try {
    project.provide('mongoUrl', servers.mongoUrl);
    project.provide('mongoServer', await identifyMongo(servers.mongoUrl));
    project.provide('redisUrl', servers.redisUrl);
    project.provide('redisEnv', servers.redisEnv);
    project.provide('redisTopology', servers.redisEnv['REDIS_CLUSTER_NODES'] ? 'cluster' : servers.redisEnv['REDIS_SENTINELS'] ? 'sentinel' : 'single');
  } catch (error) {
    await servers.stop();
    throw error;
  }
  console.log(`test servers: ${servers.describe}`);
  return () => servers.stop();
}

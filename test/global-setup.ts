/**
 * vitest global setup of the test files that need servers: finds or starts MongoDB and Redis once
 * per run (MONGO_URL / REDIS_URL, else throwaway local servers: TASKQL_TEST_MONGO picks FerretDB
 * or mongo-java-server, docs/test-servers.md) and hands them to the test files, which read them
 * with `inject('mongoUrl')`, `inject('redisUrl')` and `inject('mongoServer')`.
 */
import type { TestProject } from 'vitest/node';
import { identifyMongo, startLocalServers, type MongoServerKind } from '../scripts/local-servers.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The MongoDB server of this run, without a database name: each test file picks its own. */
    mongoUrl: string;
    /** What serves `mongoUrl`, for tests that only some servers can answer (their skip says why). */
    mongoServer: MongoServerKind;
    /** The Redis server of this run: each test file picks its own key prefix. */
    redisUrl: string;
  }
}

/** Starts the servers and provides their URLs; the returned teardown stops them. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const servers = await startLocalServers();
  try {
    project.provide('mongoUrl', servers.mongoUrl);
    project.provide('mongoServer', await identifyMongo(servers.mongoUrl));
    project.provide('redisUrl', servers.redisUrl);
  } catch (error) {
    await servers.stop();
    throw error;
  }
  console.log(`test servers: ${servers.describe}`);
  return () => servers.stop();
}

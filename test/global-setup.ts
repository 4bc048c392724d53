/**
 * vitest global setup of the test files that need servers: finds or starts MongoDB and Redis once
 * per run (MONGO_URL / REDIS_URL, else throwaway local servers) and hands their URLs to the test
 * files, which read them with `inject('mongoUrl')` / `inject('redisUrl')`.
 */
import type { TestProject } from 'vitest/node';
import { startLocalServers } from '../scripts/local-servers.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The MongoDB server of this run, without a database name: each test file picks its own. */
    mongoUrl: string;
    /** The Redis server of this run: each test file picks its own key prefix. */
    redisUrl: string;
  }
}

/** Starts the servers and provides their URLs; the returned teardown stops them. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const servers = await startLocalServers();
  project.provide('mongoUrl', servers.mongoUrl);
  project.provide('redisUrl', servers.redisUrl);
  console.log(`test servers: ${servers.describe}`);
  return () => servers.stop();
}

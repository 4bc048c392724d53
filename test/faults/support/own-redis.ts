/**
 * A Redis of the fault test's own, which it may stop and start again on the same port: started
 * with its append-only file (as production runs it) beside the suite's MongoDB, and stopped when
 * the fleet closes.
 */
import { inject } from 'vitest';
import { startLocalServers, type RestartableServer } from '../../../scripts/local-servers.ts';
import type { Fleet } from './fleet.ts';

/** Start the Redis; its URL goes into the processes' REDIS_URL, `redis` halts and resumes it. */
export async function startOwnRedis(fleet: Fleet): Promise<{ redisUrl: string; redis: RestartableServer }> {
  const servers = await startLocalServers({ env: { MONGO_URL: inject('mongoUrl') }, persistRedis: true });
  fleet.onClose(() => servers.stop());
  const redis = servers.redis;
  if (!redis) throw new Error('the fault suite needs a redis-server it starts itself');
  return { redisUrl: servers.redisUrl, redis };
}

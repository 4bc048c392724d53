/**
 * Which Redis deployment taskql talks to: one server (a URL), a Redis Cluster (seed nodes) or a
 * master watched by Redis Sentinels. Configuration (`src/config.ts`) reads it from the
 * environment; `connections.ts` makes connections for it with ioredis' own cluster and sentinel
 * clients, which do all routing and failover.
 */

/** One `host:port` of a cluster seed node or a sentinel. */
export interface RedisNode {
  host: string;
  port: number;
}

/** The Redis deployment of a process. */
export type RedisTopology =
  /** One Redis server (or a proxy in front of many) at `url`. */
  | { kind: 'single'; url: string }
  /** A Redis Cluster (Redis 7 or later: taskql uses sharded pub/sub), found from any of `nodes`. */
  | { kind: 'cluster'; nodes: readonly RedisNode[]; password: string | null }
  /** The master `name` that `sentinels` watch; the client follows it across failovers. */
  | { kind: 'sentinel'; sentinels: readonly RedisNode[]; name: string; password: string | null };

/**
 * The nodes of a comma-separated `host:port` list (IPv6 hosts in brackets: `[::1]:6379`).
 *
 * @throws Error naming the first entry that is not `host:port`.
 */
export function parseRedisNodes(list: string): RedisNode[] {
  const entries = list.split(',').map((entry) => entry.trim()).filter(Boolean);
  if (entries.length === 0) throw new Error('no host:port in the list');
  return entries.map((entry) => {
    const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(entry);
    const port = Number(match?.[3]);
    if (!match || port < 1 || port > 65535) throw new Error(`"${entry}" is not host:port`);
    return { host: (match[1] ?? match[2])!, port };
  });
}


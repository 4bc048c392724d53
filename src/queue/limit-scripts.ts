/**
 * Every Redis script of flow control, in one place (as BullMQ keeps its own): admitting a task
 * under a limit, letting it start, renewing and releasing its slot, and handing freed slots to the
 * parked tasks in turn. Each script is one atomic step, so the limits hold at every instant
 * however many processes run them; time is Redis's own (`TIME`), so clocks of different hosts
 * cannot disagree about a lease or a window.
 *
 * Keys of a scope, all under the queue's BullMQ hash tag (`<prefix>:{queue}:fc:…`), so a script
 * touching several never crosses Redis Cluster slots:
 * - `slots:<scope>`  sorted set, task id → when its slot's lease ends (ms): admitted or running;
 * - `parked:<scope>` list of task ids waiting for a slot, oldest first;
 * - `starts:<scope>` sorted set of the starts in the rate window (rate scopes);
 * - `waiting`        hash, task id → the WaitReason it waits for (one per queue);
 * - `scopes`         hash, scope → its cap, for every scope with parked tasks (one per queue).
 *
 * The design and why: docs/flow-control.md.
 */
import type { RedisConnection } from '../redis/connections.ts';

/** Lua shared by the scripts: Redis's clock, and handing free slots to parked tasks. */
const COMMON = `
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- Admit parked tasks, oldest first, while the scope has free slots; returns their ids.
local function fill(slots, parked, waiting, scopes, scope, cap, now, lease)
  redis.call('ZREMRANGEBYSCORE', slots, '-inf', now)
  local admitted = {}
  while redis.call('ZCARD', slots) < cap do
    local id = redis.call('LPOP', parked)
    if not id then break end
    redis.call('ZADD', slots, now + lease, id)
    redis.call('HDEL', waiting, id)
    admitted[#admitted + 1] = id
  end
  if redis.call('LLEN', parked) == 0 then redis.call('HDEL', scopes, scope) end
  return admitted
end
local function park(parked, waiting, scopes, scope, cap, id, reason)
  if not redis.call('LPOS', parked, id) then redis.call('RPUSH', parked, id) end
  redis.call('HSET', waiting, id, reason)
  redis.call('HSET', scopes, scope, cap)
end
`;

/**
 * Admit a new task, or park it. KEYS: slots, parked, waiting, scopes. ARGV: id, scope, cap,
 * admit lease (ms), wait reason. Returns 1 when admitted (a slot is its), 0 when parked: it is
 * admitted only while a slot is free and nobody is parked before it, so a new task never
 * overtakes those waiting.
 */
const ADMIT = `${COMMON}
local slots, parked, waiting, scopes = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local id, scope, cap, lease, reason = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local now = nowMs()
redis.call('ZREMRANGEBYSCORE', slots, '-inf', now)
if redis.call('ZSCORE', slots, id) then return 1 end
if redis.call('ZCARD', slots) < cap and redis.call('LLEN', parked) == 0 then
  redis.call('ZADD', slots, now + lease, id)
  return 1
end
park(parked, waiting, scopes, scope, cap, id, reason)
return 0
`;

/**
 * Let a task start. KEYS: slots, parked, waiting, scopes, starts (the rate window's; any key
 * when there is none). ARGV: id, scope, cap, run lease, admit lease, wait reason, window (ms, 0
 * for none), window max, 1 when the slot ends at the start (a rate scope's) else 0.
 * Returns { status, waitMs, admitted… }: status 0 parked (no slot), 1 wait `waitMs` for the rate
 * window (the slot is kept), 2 start (ids it admitted follow, when the start freed its slot).
 */
const START = `${COMMON}
local slots, parked, waiting, scopes, starts = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local id, scope, cap = ARGV[1], ARGV[2], tonumber(ARGV[3])
local runLease, admitLease, reason = tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
local window, windowMax, freeAtStart = tonumber(ARGV[7]), tonumber(ARGV[8]), ARGV[9] == '1'
local now = nowMs()
redis.call('ZREMRANGEBYSCORE', slots, '-inf', now)
if not redis.call('ZSCORE', slots, id) then
  if redis.call('ZCARD', slots) >= cap then
    park(parked, waiting, scopes, scope, cap, id, reason)
    return {0, 0}
  end
  redis.call('LREM', parked, 0, id)
  redis.call('ZADD', slots, now + admitLease, id)
end
if window > 0 then
  redis.call('ZREMRANGEBYSCORE', starts, '-inf', now - window)
  if redis.call('ZCARD', starts) >= windowMax then
    local oldest = redis.call('ZRANGE', starts, 0, 0, 'WITHSCORES')
    redis.call('ZADD', slots, now + admitLease, id)
    redis.call('HSET', waiting, id, 'RATE_LIMIT')
    return {1, math.max(1, tonumber(oldest[2]) + window - now)}
  end
  redis.call('ZADD', starts, now, id .. ':' .. now)
  redis.call('PEXPIRE', starts, window)
end
redis.call('HDEL', waiting, id)
if freeAtStart then
  redis.call('ZREM', slots, id)
  local result = {2, 0}
  for _, admitted in ipairs(fill(slots, parked, waiting, scopes, scope, cap, now, admitLease)) do result[#result + 1] = admitted end
  return result
end
redis.call('ZADD', slots, now + runLease, id)
return {2, 0}
`;

/** Extend a running task's slot. KEYS: slots. ARGV: id, lease. Returns 1, or 0 when the slot was lost. */
const RENEW = `${COMMON}
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], 'XX', nowMs() + tonumber(ARGV[2]), ARGV[1])
return 1
`;

/**
 * A task leaves its scope (its attempt ended, or it was cancelled): its slot, place and wait
 * reason go, and freed slots go to the parked tasks. KEYS: slots, parked, waiting, scopes.
 * ARGV: id, scope, cap, admit lease. Returns the ids admitted.
 */
const RELEASE = `${COMMON}
local slots, parked, waiting, scopes = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
redis.call('ZREM', slots, ARGV[1])
redis.call('LREM', parked, 0, ARGV[1])
redis.call('HDEL', waiting, ARGV[1])
return fill(slots, parked, waiting, scopes, ARGV[2], tonumber(ARGV[3]), nowMs(), tonumber(ARGV[4]))
`;

/** Hand a scope's free slots to its parked tasks (the sweep's step). KEYS as RELEASE; ARGV: scope, cap, admit lease. */
const FILL = `${COMMON}
return fill(KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[1], tonumber(ARGV[2]), nowMs(), tonumber(ARGV[3]))
`;

/** The scripts as commands of a connection. */
export interface LimitCommands {
  fcAdmit(...args: (string | number)[]): Promise<number>;
  fcStart(...args: (string | number)[]): Promise<(string | number)[]>;
  fcRenew(...args: (string | number)[]): Promise<number>;
  fcRelease(...args: (string | number)[]): Promise<string[]>;
  fcFill(...args: (string | number)[]): Promise<string[]>;
}

/**
 * `connection` with the scripts defined on it (ioredis sends each by its SHA and loads it on a
 * miss, on every node of a cluster).
 */
export function withLimitScripts(connection: RedisConnection): RedisConnection & LimitCommands {
  const scripts: [keyof LimitCommands, number, string][] = [
    ['fcAdmit', 4, ADMIT],
    ['fcStart', 5, START],
    ['fcRenew', 1, RENEW],
    ['fcRelease', 4, RELEASE],
    ['fcFill', 4, FILL],
  ];
  for (const [name, numberOfKeys, lua] of scripts) {
    if (!(name in connection)) connection.defineCommand(name, { numberOfKeys, lua });
  }
  return connection as RedisConnection & LimitCommands;
}

/**
 * Per-key flow control over Redis: a task of a limited type is admitted (given a slot) at enqueue
 * only while its key has a free slot and nobody of that key is parked before it; otherwise it is
 * parked in its key's list and its BullMQ job sleeps in the delayed set. A slot that frees goes to
 * the oldest parked task of that key, whose job is then promoted. So BullMQ's queue holds at most
 * `limit` tasks of any key, and a key with a long backlog never stands between another key's
 * tasks and the workers. Whether a task may start is decided again when a worker takes it (a
 * slot held, the rate window open), which is what makes the limits hold at every instant.
 * The scripts are `limit-scripts.ts`; the design is docs/flow-control.md.
 */
import { limitScopesOf, type LimitScope, type TypeLimits } from '../model/limits.ts';
import type { Task, WaitReason } from '../model/task.ts';
import { WAIT_REASONS } from '../model/task.ts';
import type { RedisConnection } from '../redis/connections.ts';
import { withLimitScripts, type LimitCommands } from './limit-scripts.ts';
import { bullQueueName } from './queue-names.ts';

/**
 * How long a parked task's job sleeps in BullMQ's delayed set. A freed slot promotes it long
 * before; this only wakes a task whose promotion was lost (a process died between the two
 * steps), so it is long: a backlog of parked tasks costs one look per task per this period.
 */
export const PARKED_JOB_DELAY_MS = 5 * 60_000;

/** The limits of the type called `type`, or null when it has none (or is unknown here). */
export type LimitsOf = (type: string) => TypeLimits | null;

/** Lease lengths. */
export interface FlowLimiterSettings {
  /** A running task's slot lasts this long unrenewed (WORKER_LOCK_MS: a dead worker's slots come back as its jobs do). */
  runLeaseMs: number;
  /** An admitted task's slot lasts this long before it starts; one that never starts (its enqueue died) frees it then. */
  admitLeaseMs: number;
}

/** What a worker may do with a task it took: start it, park it (no slot), or wait `waitMs` for the rate window. */
export type StartDecision = { kind: 'start'; admitted: string[] } | { kind: 'parked' } | { kind: 'wait'; waitMs: number };

/** A scope with parked tasks, as the sweep finds it. */
export interface ParkedScope {
  queue: string;
  scope: string;
  cap: number;
}

export class FlowLimiter {
  readonly #redis: RedisConnection & LimitCommands;
  readonly #prefix: string;
  readonly #limitsOf: LimitsOf;
  readonly #settings: FlowLimiterSettings;

  /** @param connection a connection that fails fast when Redis is away; callers bound the wait */
  constructor(connection: RedisConnection, prefix: string, limitsOf: LimitsOf, settings: FlowLimiterSettings) {
    this.#redis = withLimitScripts(connection);
    this.#prefix = prefix;
    this.#limitsOf = limitsOf;
    this.#settings = settings;
  }

  /** Whether `task` is counted by any limit (only such tasks cost a Redis call). */
  isLimited(task: Pick<Task, 'type'>): boolean {
    return this.#scopes({ type: task.type, concurrencyKey: null, rateLimitKey: null }).length > 0;
  }

  /** Admit a new task (true: its job may wait in BullMQ now) or park it (false). An unlimited task is always admitted. */
  async admit(task: Task): Promise<boolean> {
    const gate = this.#scopes(task)[0];
    if (!gate) return true;
    const admitted = await this.#redis.fcAdmit(...this.#keys(task.queue, gate), task.id, gate.name, gate.cap, this.#settings.admitLeaseMs, reasonOf(gate));
    return admitted === 1;
  }

  /** Whether `task` holds a slot now (a parked task is given one when a slot frees). */
  async holdsSlot(task: Task): Promise<boolean> {
    const gate = this.#scopes(task)[0];
    if (!gate) return true;
    return (await this.#redis.zscore(this.#keys(task.queue, gate)[0]!, task.id)) !== null;
  }

  /** May `task` start now? A start takes its slot for `runLeaseMs` (renew it with `renew`) and its place in the rate window. */
  async start(task: Task): Promise<StartDecision> {
    const scopes = this.#scopes(task);
    const gate = scopes[0];
    if (!gate) return { kind: 'start', admitted: [] };
    const window = scopes.find((s) => s.kind === 'rate');
    const keys = this.#keys(task.queue, gate);
    const windowKey = window ? this.#key(task.queue, 'starts', window.name) : keys[0]!;
    const [status, waitMs, ...admitted] = await this.#redis.fcStart(
      ...keys,
      windowKey,
      task.id,
      gate.name,
      gate.cap,
      this.#settings.runLeaseMs,
      this.#settings.admitLeaseMs,
      reasonOf(gate),
      window?.perMs ?? 0,
      window?.cap ?? 0,
      gate.kind === 'rate' ? 1 : 0,
    );
    if (status === 0) return { kind: 'parked' };
    if (status === 1) return { kind: 'wait', waitMs: Number(waitMs) };
    return { kind: 'start', admitted: admitted.map(String) };
  }

  /** Extend a running task's slot; false when it had none to extend (it is not counted by a concurrency limit, or lost it). */
  async renew(task: Task): Promise<boolean> {
    const gate = this.#scopes(task)[0];
    if (gate?.kind !== 'concurrency') return false;
    return (await this.#redis.fcRenew(this.#keys(task.queue, gate)[0]!, task.id, this.#settings.runLeaseMs)) === 1;
  }

  /** `task` leaves its scope (its attempt ended, or it was cancelled); resolves with the ids of the tasks its slot went to. */
  async release(task: Task): Promise<string[]> {
    const gate = this.#scopes(task)[0];
    if (!gate) return [];
    return this.#redis.fcRelease(...this.#keys(task.queue, gate), task.id, gate.name, gate.cap, this.#settings.admitLeaseMs);
  }

  /** Every scope of `queues` with parked tasks. */
  async parkedScopes(queues: readonly string[]): Promise<ParkedScope[]> {
    const found = await Promise.all(
      queues.map(async (queue) => Object.entries(await this.#redis.hgetall(this.#key(queue, 'scopes'))).map(([scope, cap]) => ({ queue, scope, cap: Number(cap) }))),
    );
    return found.flat();
  }

  /** Hand a scope's free slots to its parked tasks; resolves with the ids admitted. */
  fill({ queue, scope, cap }: ParkedScope): Promise<string[]> {
    return this.#redis.fcFill(...this.#keys(queue, { name: scope }), scope, cap, this.#settings.admitLeaseMs);
  }

  /** Why `task` waits for a limit (CONCURRENCY_LIMIT or RATE_LIMIT), or null when it does not. */
  async waitReason(task: Task): Promise<WaitReason | null> {
    if (!this.isLimited(task)) return null;
    const reason = await this.#redis.hget(this.#key(task.queue, 'waiting'), task.id);
    return WAIT_REASONS.find((r) => r === reason) ?? null;
  }

  #scopes(task: Pick<Task, 'type' | 'concurrencyKey' | 'rateLimitKey'>): LimitScope[] {
    const limits = this.#limitsOf(task.type);
    return limits ? limitScopesOf(task, limits) : [];
  }

  /** The four keys every script of a scope takes: slots, parked, waiting, scopes. */
  #keys(queue: string, scope: Pick<LimitScope, 'name'>): string[] {
    return [this.#key(queue, 'slots', scope.name), this.#key(queue, 'parked', scope.name), this.#key(queue, 'waiting'), this.#key(queue, 'scopes')];
  }

  /** A flow-control key of `queue`: under the queue's BullMQ hash tag, so every key of a script is in one cluster slot. */
  #key(queue: string, kind: string, scope?: string): string {
    return `${this.#prefix}:${bullQueueName(queue)}:fc:${kind}${scope === undefined ? '' : `:${scope}`}`;
  }
}

function reasonOf(gate: LimitScope): WaitReason {
  return gate.kind === 'concurrency' ? 'CONCURRENCY_LIMIT' : 'RATE_LIMIT';
}

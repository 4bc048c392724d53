/**
 * Who is calling and what they may do. Pure: the rules of visibility live here, the checking of
 * credentials in `authenticator.ts`.
 */
import type { TaskFilter } from '../model/task-filter.ts';
import type { Task } from '../model/task.ts';

/** The scopes a credential can carry. */
export const SCOPES = ['tasks:read', 'tasks:write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** An authenticated caller. */
export interface Principal {
  /** The owner its tasks are recorded under (`sub` of a JWT, an API key's owner). */
  owner: string;
  scopes: ReadonlySet<Scope>;
  /** A scoped task token's tasks: it may read and watch these and nothing else. */
  taskIds: ReadonlySet<string> | null;
  /** When its credential expires (WebSockets are closed then). */
  expiresAt: Date | null;
}

/** The caller when authentication is turned off (development only): one owner that may do anything. */
export const ANONYMOUS: Principal = {
  owner: 'anonymous',
  scopes: new Set(SCOPES),
  taskIds: null,
  expiresAt: null,
};

/** Whether `principal` holds `scope` (admin holds every scope). */
export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.has(scope) || principal.scopes.has('admin');
}

/** Whether `principal` may see `task`: admins all, a scoped token its tasks, anyone else its own. */
export function canSee(principal: Principal, task: Pick<Task, 'id' | 'owner'>): boolean {
  if (principal.taskIds) return principal.taskIds.has(task.id) && task.owner === principal.owner;
  return principal.scopes.has('admin') || task.owner === principal.owner;
}

/**
 * The owner whose records `principal` may see, when that is one owner: a lookup by id may name it
 * (the shard key's first field). Null for an admin, who sees every owner's.
 */
export function ownerSeenBy(principal: Principal): string | null {
  return principal.scopes.has('admin') && !principal.taskIds ? null : principal.owner;
}

/** `filter` narrowed to what `principal` may see. */
export function visibleTo(principal: Principal, filter: TaskFilter): TaskFilter {
  if (principal.taskIds) return { ...filter, owner: principal.owner, ids: [...principal.taskIds] };
  return principal.scopes.has('admin') ? filter : { ...filter, owner: principal.owner };
}

/**
 * The caller a schedule acts as when it makes and cancels its runs: the schedule's owner, with
 * the scopes for that and nothing more.
 */
export function actingFor(owner: string): Principal {
  return { owner, scopes: new Set(['tasks:read', 'tasks:write']), taskIds: null, expiresAt: null };
}

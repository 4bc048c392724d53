/**
 * Flows (`enqueueFlow`): tasks that wait for each other. Pure rules, no I/O: whether a submission
 * is a valid graph and in which order its tasks come, what a waiting task's dependencies say it
 * does next, and how a flow's state and progress follow from its tasks' states.
 *
 * A flow's state is recorded as a log of changes, one per version (`FlowChange`): each is a
 * summary of its tasks' states that differs from the one before. The log is what makes
 * `flowUpdated` gap-free: a subscriber reads every version it has not seen from it.
 */
import { isFinalState, type DependencyFailure, type DependentRef, type Task, type TaskState } from './task.ts';

/** Every state a flow can be in. */
export const FLOW_STATES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export type FlowState = (typeof FLOW_STATES)[number];

/** The most tasks one flow may have. */
export const MAX_FLOW_TASKS = 1000;

/** What a flow is made of: fixed when it is submitted. */
export interface FlowRecord {
  id: string;
  owner: string;
  name: string | null;
  tags: string[];
  idempotencyKey: string | null;
  /** Its tasks' ids, in dependency order (every task after the tasks it depends on). */
  taskIds: string[];
  createdAt: Date;
}

/** One recorded change of a flow's state: version 1 when it is submitted, one more for each later change. */
export interface FlowChange {
  flowId: string;
  version: number;
  state: FlowState;
  /** How many of its tasks are in a final state. */
  finished: number;
  total: number;
  at: Date;
  /** When it reached a final state; null while RUNNING. */
  finishedAt: Date | null;
}

/** A flow as served: what it is made of and its newest change. */
export interface Flow extends FlowRecord {
  state: FlowState;
  version: number;
  finished: number;
  total: number;
  updatedAt: Date;
  finishedAt: Date | null;
}

/** The flow `record` as of `change`. */
export function flowAt(record: FlowRecord, change: FlowChange): Flow {
  return {
    ...record,
    state: change.state,
    version: change.version,
    finished: change.finished,
    total: change.total,
    updatedAt: change.at,
    finishedAt: change.finishedAt,
  };
}

/** Finished tasks over all tasks, 0..1. */
export function flowProgress(flow: Pick<Flow, 'finished' | 'total'>): number {
  return flow.total === 0 ? 1 : flow.finished / flow.total;
}

/** Whether `state` ends the flow's story (`flowUpdated` completes after it). */
export function isFinalFlowState(state: FlowState): boolean {
  return state !== 'RUNNING';
}

/**
 * A flow's state given its tasks' states: RUNNING while any task is unfinished — a flow is final
 * exactly when all its tasks are — then FAILED when any task FAILED, CANCELLED when any was
 * cancelled (or skipped), else SUCCEEDED.
 */
export function flowStateOf(states: readonly TaskState[]): FlowState {
  if (states.some((s) => !isFinalState(s))) return 'RUNNING';
  if (states.includes('FAILED')) return 'FAILED';
  if (states.includes('CANCELLED')) return 'CANCELLED';
  return 'SUCCEEDED';
}

/** The first change of a flow of `total` tasks, none of them finished. */
export function firstFlowChange(flowId: string, total: number, now: Date): FlowChange {
  return { flowId, version: 1, state: 'RUNNING', finished: 0, total, at: now, finishedAt: null };
}

/**
 * The change that follows `latest` now that the flow's tasks are in `states`, or null when their
 * summary (state and finished count) is what `latest` says already: nothing to record. Tasks not
 * among `states` (a submission still being written) count as unfinished.
 */
export function nextFlowChange(latest: FlowChange, states: readonly TaskState[], now: Date): FlowChange | null {
  const unseen = Math.max(0, latest.total - states.length);
  const state = unseen > 0 ? 'RUNNING' : flowStateOf(states);
  const finished = Math.min(latest.total, states.filter(isFinalState).length);
  if (state === latest.state && finished === latest.finished) return null;
  return {
    flowId: latest.flowId,
    version: latest.version + 1,
    state,
    finished,
    total: latest.total,
    at: now,
    finishedAt: isFinalFlowState(state) ? now : null,
  };
}

/** A task of a submission, as far as the graph is concerned. */
export interface FlowTaskSpec {
  ref: string;
  dependsOn?: readonly string[] | null;
}

/**
 * What each task of a submission keeps of the tasks that wait for it, by ref: their ids, each
 * with its dependency that comes last in `order` (the order the tasks are stored and queued in).
 */
export function dependentsOf(tasks: readonly FlowTaskSpec[], order: readonly number[], ids: ReadonlyMap<string, string>): Map<string, DependentRef[]> {
  const position = new Map(order.map((index, at) => [tasks[index]!.ref, at]));
  const dependents = new Map(tasks.map((t) => [t.ref, [] as DependentRef[]]));
  for (const task of tasks) {
    const dependsOn = [...new Set(task.dependsOn ?? [])];
    if (dependsOn.length === 0) continue;
    const last = dependsOn.reduce((a, b) => (position.get(b)! > position.get(a)! ? b : a));
    const ref = { id: ids.get(task.ref)!, lastDependency: ids.get(last)! };
    for (const dependency of dependsOn) dependents.get(dependency)!.push(ref);
  }
  return dependents;
}

/** A valid submission's tasks in dependency order (indexes into the submission), or what is wrong with it. */
export type FlowPlan = { ok: true; order: number[] } | { ok: false; message: string };

/**
 * Check a submission's graph: 1 to {@link MAX_FLOW_TASKS} tasks, refs unique, every `dependsOn`
 * naming a ref of the flow, no cycle. The message names the task by its index and ref. The order
 * is a topological one, stable: among tasks free to go next, the earlier submitted goes first.
 */
export function planFlow(tasks: readonly FlowTaskSpec[]): FlowPlan {
  if (tasks.length === 0 || tasks.length > MAX_FLOW_TASKS) {
    return { ok: false, message: `tasks: a flow has 1 to ${MAX_FLOW_TASKS} tasks, got ${tasks.length}` };
  }
  const indexOf = new Map<string, number>();
  for (const [i, task] of tasks.entries()) {
    const earlier = indexOf.get(task.ref);
    if (earlier !== undefined) return { ok: false, message: `tasks.${i}.ref: "${task.ref}" is also the ref of tasks.${earlier}; refs must be unique` };
    indexOf.set(task.ref, i);
  }
  const deps: number[][] = [];
  for (const [i, task] of tasks.entries()) {
    const mine: number[] = [];
    for (const ref of new Set(task.dependsOn ?? [])) {
      const j = indexOf.get(ref);
      if (j === undefined) return { ok: false, message: `tasks.${i}.dependsOn: task "${task.ref}" depends on unknown ref "${ref}"` };
      mine.push(j);
    }
    deps.push(mine);
  }
  const order = topologicalOrder(deps);
  if (order.length < tasks.length) {
    const cycle = findCycle(deps, new Set(order)).map((i) => tasks[i]!.ref);
    const first = indexOf.get(cycle[0]!)!;
    return { ok: false, message: `tasks.${first}.dependsOn: task "${cycle[0]}" is in a dependency cycle: ${[...cycle, cycle[0]].join(' → ')}` };
  }
  return { ok: true, order };
}

/** Kahn's algorithm over `deps` (node i depends on deps[i]); nodes in or behind a cycle are left out. */
function topologicalOrder(deps: readonly number[][]): number[] {
  const waitingFor = deps.map((d) => d.length);
  const dependents: number[][] = deps.map(() => []);
  deps.forEach((d, i) => d.forEach((j) => dependents[j]!.push(i)));
  const order: number[] = [];
  // Scanning for the earliest free node keeps the order stable; flows are at most 1,000 tasks.
  const placed = new Set<number>();
  for (;;) {
    const next = waitingFor.findIndex((n, i) => n === 0 && !placed.has(i));
    if (next < 0) return order;
    placed.add(next);
    order.push(next);
    for (const i of dependents[next]!) waitingFor[i]!--;
  }
}

/** A cycle among the nodes not in `ordered` (every such node is in one or depends on one). */
function findCycle(deps: readonly number[][], ordered: ReadonlySet<number>): number[] {
  const start = deps.findIndex((_, i) => !ordered.has(i));
  const path: number[] = [];
  const onPath = new Map<number, number>();
  let node = start;
  // Following any unordered dependency never leaves the unordered nodes, so the walk must repeat one.
  while (!onPath.has(node)) {
    onPath.set(node, path.length);
    path.push(node);
    node = deps[node]!.find((j) => !ordered.has(j))!;
  }
  return path.slice(onPath.get(node)).reverse();
}

/** A dependency as the release decision sees it; a dependency that no longer exists counts as CANCELLED. */
export type DependencyState = Pick<Task, 'id' | 'ref' | 'state'>;

/** What a WAITING task does next, given its dependencies. */
export type DependencyVerdict =
  | { kind: 'wait' }
  | { kind: 'run' }
  | { kind: 'fail'; dependency: DependencyState }
  | { kind: 'skip'; dependency: DependencyState };

/**
 * All a release decision needs of a task's dependencies, however many there are: one that ended
 * without succeeding (FAILED or CANCELLED), if any, and whether any is unfinished.
 */
export interface DependencySummary {
  unsuccessful: DependencyState | null;
  unfinished: boolean;
}

/** The summary of `dependencies`. */
export function summarizeDependencies(dependencies: readonly DependencyState[]): DependencySummary {
  return {
    unsuccessful: dependencies.find((d) => isFinalState(d.state) && d.state !== 'SUCCEEDED') ?? null,
    unfinished: dependencies.some((d) => !isFinalState(d.state)),
  };
}

/**
 * The decision for a WAITING task with policy `policy`: run once all `dependencies` SUCCEEDED;
 * as soon as one FAILED or was CANCELLED, fail or skip (FAIL, SKIP), or run once all are final
 * (RUN); otherwise wait.
 */
export function dependencyVerdict(policy: DependencyFailure, dependencies: readonly DependencyState[]): DependencyVerdict {
  return verdictOn(policy, summarizeDependencies(dependencies));
}

/** {@link dependencyVerdict} from the summary of the dependencies. */
export function verdictOn(policy: DependencyFailure, { unsuccessful, unfinished }: DependencySummary): DependencyVerdict {
  if (unsuccessful && policy === 'FAIL') return { kind: 'fail', dependency: unsuccessful };
  if (unsuccessful && policy === 'SKIP') return { kind: 'skip', dependency: unsuccessful };
  return unfinished ? { kind: 'wait' } : { kind: 'run' };
}

/**
 * What the API does with flows: submit one (all its tasks stored and the runnable ones queued, or
 * nothing), cancel one, read one. GraphQL-free, like `task-service.ts`, which makes and cancels
 * each of a flow's tasks the way it does any task's.
 */
import { randomUUID } from 'node:crypto';
import { Repeater } from 'graphql-yoga';
import { z } from 'zod';
import { ownerSeenBy, type Principal } from '../auth/principal.ts';
import { DependencyUnavailableError, FlowNotFoundError, InvalidInputError, TaskConflictError, TaskNotFoundError } from '../errors.ts';
import type { FlowChanges } from '../events/flow-changes.ts';
import type { Transition } from '../model/state-machine.ts';
import { dependentsOf, firstFlowChange, flowAt, isFinalFlowState, planFlow, type Flow, type FlowRecord } from '../model/flow.ts';
import { DEPENDENCY_FAILURES, isFinalState, type Task } from '../model/task.ts';
import type { TaskQueues } from '../queue/task-queues.ts';
import type { FlowStore } from '../store/flow-store.ts';
import type { TaskStore } from '../store/task-store.ts';
import { parseWith } from '../tasks/registry.ts';
import type { FlowCoordinator } from './flow-coordinator.ts';
import { ENQUEUE_LIMITS, requireScope, type EnqueueRequest, type TaskService } from './task-service.ts';
import type { TaskRecorder } from './task-recorder.ts';

const ref = z.string().regex(/^[\w.-]{1,64}$/, 'letters, digits, _, . and - only, at most 64');

/** The parts of `enqueueFlow`'s input this service checks itself; each task's own options are `enqueueTask`'s. */
const flowOptions = z.object({
  name: z.string().min(1).max(200).nullish(),
  tags: z.array(z.string().min(1).max(ENQUEUE_LIMITS.tagLength)).max(ENQUEUE_LIMITS.tags).nullish(),
  idempotencyKey: z.string().min(1).max(ENQUEUE_LIMITS.idempotencyKeyLength).nullish(),
  tasks: z.array(
    z.looseObject({
      ref,
      dependsOn: z.array(ref).nullish(),
      onDependencyFailure: z.enum(DEPENDENCY_FAILURES).nullish(),
    }),
  ),
});

/** One task of a flow as a client submits it: `enqueueTask`'s options, a ref, and what it waits for. */
export type FlowTaskRequest = EnqueueRequest & {
  ref: string;
  dependsOn?: string[] | null;
  onDependencyFailure?: (typeof DEPENDENCY_FAILURES)[number] | null;
};

/** What a client asks `enqueueFlow` for. */
export interface EnqueueFlowRequest {
  name?: string | null;
  tags?: string[] | null;
  idempotencyKey?: string | null;
  tasks: FlowTaskRequest[];
}

/** The submitted flow, and whether it was an earlier one returned again (same idempotency key). */
export interface EnqueuedFlow {
  flow: Flow;
  deduplicated: boolean;
}

/** Whether a submission got as far as marking its flow submitted: not yet, perhaps (the write was sent), or yes. */
type Marked = 'no' | 'maybe' | 'yes';

/** How long a flow's watcher goes without an announcement before it reads the change log anyway. */
export const FLOW_POLL_MS = 2_500;

export class FlowService {
  readonly #flows: FlowStore;
  readonly #store: TaskStore;
  readonly #queues: TaskQueues;
  readonly #recorder: TaskRecorder;
  readonly #tasks: TaskService;
  readonly #changes: FlowChanges;
  readonly #coordinator: FlowCoordinator;
  /** Answers of `enqueueFlow` (see `#answerFromSubmission`): a flow's tasks, and a task's dependencies, as submitted. */
  readonly #submittedTasks = new WeakMap<Flow, Task[]>();
  readonly #submittedDependencies = new WeakMap<Task, Task[]>();

  constructor(deps: { flows: FlowStore; store: TaskStore; queues: TaskQueues; recorder: TaskRecorder; tasks: TaskService; changes: FlowChanges; coordinator: FlowCoordinator }) {
    this.#changes = deps.changes;
    this.#coordinator = deps.coordinator;
    this.#flows = deps.flows;
    this.#store = deps.store;
    this.#queues = deps.queues;
    this.#recorder = deps.recorder;
    this.#tasks = deps.tasks;
  }

  /**
   * Validate a flow — its graph, and each task as `enqueueTask` would — then store the flow and
   * all its tasks (those with dependencies WAITING) and queue the runnable ones. Nothing is stored
   * when anything is invalid: the error names each bad task by its ref. When a write fails, what
   * was written is deleted again (SERVICE_UNAVAILABLE says so); should that fail too, the flow
   * stays unsubmitted (invisible) until the reconciler deletes it. The flow is marked submitted
   * before any job is queued, so no task of a flow that is undone ever ran. An idempotency key
   * returns the owner's earlier flow.
   */
  async enqueue(principal: Principal, request: EnqueueFlowRequest): Promise<EnqueuedFlow> {
    requireScope(principal, 'tasks:write');
    const parsed = parseWith(flowOptions, request, 'input');
    if (!parsed.ok) throw new InvalidInputError(parsed.message, parsed.issues);
    const plan = planFlow(request.tasks);
    if (!plan.ok) throw new InvalidInputError(plan.message);

    const flowId = randomUUID();
    const ids = new Map(request.tasks.map((t) => [t.ref, randomUUID()]));
    const dependents = dependentsOf(request.tasks, plan.order, ids);
    const flowTags = parsed.value.tags ?? [];
    const problems: string[] = [];
    const created = plan.order.flatMap((i): Transition[] => {
      const { ref: taskRef, dependsOn, onDependencyFailure, ...options } = request.tasks[i]!;
      try {
        const tags = [...new Set([...flowTags, ...(options.tags ?? [])])];
        return [
          this.#tasks.prepare(principal, { ...options, tags }, `tasks.${i}`, {
            flow: {
              taskId: ids.get(taskRef)!,
              flowId,
              ref: taskRef,
              dependsOn: [...new Set(dependsOn ?? [])].map((r) => ids.get(r)!),
              dependents: dependents.get(taskRef)!,
              onDependencyFailure: onDependencyFailure ?? 'FAIL',
            },
          }),
        ];
      } catch (error) {
        if (!(error instanceof InvalidInputError)) throw error;
        problems.push(`task "${taskRef}": ${error.message}`);
        return [];
      }
    });
    if (problems.length > 0) throw new InvalidInputError(problems.join('; '));

    const record: FlowRecord = {
      id: flowId,
      owner: principal.owner,
      name: parsed.value.name ?? null,
      tags: flowTags,
      idempotencyKey: parsed.value.idempotencyKey ?? null,
      taskIds: created.map((c) => c.task.id),
      createdAt: created[0]!.task.createdAt,
    };
    const tasks = created.map((c) => c.task);
    let marked: Marked = 'no';
    try {
      // Inside the undo's reach: a write that fails may still have stored the flow (unsubmitted).
      const inserted = await this.#flows.insert(record);
      if (!inserted.inserted) return { flow: inserted.existing, deduplicated: true };
      await this.#store.insertMany(created);
      // The commit point, before any job exists: no task of an unsubmitted flow can run.
      marked = 'maybe';
      await this.#flows.markSubmitted(record);
      marked = 'yes';
      await this.#queues.addMany(tasks.filter((t) => t.state !== 'WAITING'));
    } catch (error) {
      // An earlier submission holds the idempotency key: refused before anything was written.
      if (error instanceof TaskConflictError) throw error;
      throw await this.#undo(record, tasks, marked, error);
    }
    await Promise.all(created.map((c) => this.#recorder.announce(c)));
    const flow = flowAt(record, firstFlowChange(flowId, tasks.length, record.createdAt));
    this.#answerFromSubmission(flow, tasks);
    return { flow, deduplicated: false };
  }

  /**
   * Undo a submission that failed with `error`: unsubmitted again first if it was marked (so it is
   * invisible, and the reconciler's to delete should the rest fail), then its tasks — jobs already
   * queued find none and end — then the flow. Resolves with the error to answer, saying what was left.
   */
  async #undo(record: FlowRecord, tasks: Task[], marked: Marked, error: unknown): Promise<unknown> {
    let left = 'nothing of it is stored';
    try {
      if (marked !== 'no') await this.#flows.markUnsubmitted(record);
      try {
        await this.#store.removeMany(tasks);
        await this.#flows.remove(record);
      } catch {
        left = 'what was stored of it is deleted by the reconciler';
      }
    } catch {
      left =
        marked === 'yes'
          ? `yet it is stored whole as flow ${record.id}, and the reconciler queues its tasks`
          : `unless it was stored whole as flow ${record.id} (flow(id) tells), what was stored of it is deleted by the reconciler`;
    }
    if (!(error instanceof DependencyUnavailableError)) return error;
    return new DependencyUnavailableError(error.dependency, { cause: error, detail: `the flow was not submitted; ${left}` });
  }

  /** The flow, or null when unknown or not the caller's to see. */
  async get(principal: Principal, id: string): Promise<Flow | null> {
    requireScope(principal, 'tasks:read');
    // A task token names tasks, not flows.
    if (principal.taskIds) return null;
    return this.#flows.get({ id, owner: ownerSeenBy(principal) });
  }

  /** The flow's tasks in dependency order (those not expired); of a flow just submitted, as submitted. */
  async tasks(flow: Flow): Promise<Task[]> {
    const submitted = this.#submittedTasks.get(flow);
    if (submitted) return submitted;
    const byId = new Map((await this.#flows.tasks(flow.owner, flow.taskIds)).map((t) => [t.id, t]));
    return flow.taskIds.flatMap((id) => byId.get(id) ?? []);
  }

  /** The tasks `task` depends on, in the order it names them (those not expired); of a task just submitted, as submitted. */
  async dependenciesOf(task: Task): Promise<Task[]> {
    const submitted = this.#submittedDependencies.get(task);
    if (submitted) return submitted;
    const byId = new Map((await this.#flows.dependencies(task)).map((t) => [t.id, t]));
    return task.dependsOn.flatMap((id) => byId.get(id) ?? []);
  }

  /**
   * Have `enqueueFlow`'s answer show `flow`'s tasks, and what each depends on, as they were
   * submitted, as `enqueueTask` answers with the task it stored: reading them back after the
   * commit would cost a read per field, and one that fails would leave a submitted flow's client
   * with an error. Kept by the answer's own objects, so nothing outlives the request.
   */
  #answerFromSubmission(flow: Flow, tasks: Task[]): void {
    this.#submittedTasks.set(flow, tasks);
    const byId = new Map(tasks.map((t) => [t.id, t]));
    for (const task of tasks) this.#submittedDependencies.set(task, task.dependsOn.map((id) => byId.get(id)!));
  }

  /**
   * The flow now, then as of each later version — every one, in order, read from its change log —
   * ending after a final state. Announcements only say when to read the log; a silence of
   * {@link FLOW_POLL_MS} reads it too, so a change whose announcement was lost is still delivered.
   */
  async watch(principal: Principal, id: string): Promise<AsyncIterableIterator<Flow>> {
    requireScope(principal, 'tasks:read');
    let wake = () => {};
    let dirty = false;
    const bell = () => {
      dirty = true;
      wake();
    };
    // Watching before the first read: a change recorded after it rings, one before it is in it.
    const unwatch = await this.#changes.watch(id, { onChange: bell, onResync: bell });
    let flow: Flow | null;
    try {
      flow = await this.get(principal, id);
    } catch (error) {
      unwatch();
      throw error;
    }
    if (!flow) {
      unwatch();
      throw new FlowNotFoundError(id);
    }
    const first = flow;
    return new Repeater<Flow>(async (push, stop) => {
      const poll = setInterval(bell, FLOW_POLL_MS);
      let stopped = false;
      void stop.then(() => {
        stopped = true;
        wake();
      });
      try {
        await push(first);
        let last = first.version;
        let final = isFinalFlowState(first.state);
        while (!final && !stopped) {
          if (!dirty) {
            await new Promise<void>((resolve) => (wake = resolve));
            continue;
          }
          dirty = false;
          for (const change of await this.#flows.changesAfter(first, last)) {
            if (change.version !== last + 1) break; // not all written yet: read again at the next bell
            await push(flowAt(first, change));
            last = change.version;
            final = isFinalFlowState(change.state);
            if (final) break;
          }
        }
      } finally {
        clearInterval(poll);
        unwatch();
        stop();
      }
    });
  }

  /**
   * Cancel every unfinished task of the flow, and every unfinished child its tasks spawned, through
   * `cancelTask`'s path (a running one through its worker). The waiting ones go first, so that
   * none of them is released by a dependency cancelled before it. Resolves with the flow as it then is.
   */
  async cancel(principal: Principal, id: string, reason: string | null): Promise<Flow> {
    requireScope(principal, 'tasks:write');
    const flow = await this.get(principal, id);
    if (!flow) throw new FlowNotFoundError(id);
    // The children its tasks spawned too (they have the flow's id); a parent's cancel cancels its own anyway.
    const unfinished = (await this.#flows.tasksOfFlow(flow.owner, flow.id)).filter((t) => !isFinalState(t.state));
    const cancelEach = (tasks: Task[]) =>
      Promise.all(
        tasks.map((t) =>
          this.#tasks.cancel(principal, t.id, reason).catch((error: unknown) => {
            // Finished or gone meanwhile: nothing left to cancel.
            if (!(error instanceof TaskConflictError || error instanceof TaskNotFoundError)) throw error;
          }),
        ),
      );
    await cancelEach(unfinished.filter((t) => t.state === 'WAITING'));
    await cancelEach(unfinished.filter((t) => t.state !== 'WAITING'));
    // Each cancel refreshes the flow off its path; the answer shows the flow as they left it.
    await this.#coordinator.refresh(flow.owner, flow.id);
    return (await this.get(principal, id)) ?? flow;
  }
}


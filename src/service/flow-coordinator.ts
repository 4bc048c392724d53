/**
 * What follows a recorded change of a flow's task, done by the process that recorded it (the
 * recorder calls `afterChange` once the change is in MongoDB): a task that reached a final state
 * releases, fails or skips the tasks waiting for it; a task that was retried re-arms those that
 * ended because of it; and the flow records its new state and progress, off the change's path
 * (`settled` waits for that).
 *
 * Every step is a version-guarded transition through the recorder (or an insert of the flow's
 * next version), so doing one twice — two processes, or the reconciler after a process that died
 * between a final write and the release — changes nothing the second time. The reconciler calls
 * `evaluate` and `refresh` for what a dead process left undone (`worker/flow-reconciler.ts`).
 */
import type { FlowChanges } from '../events/flow-changes.ts';
import type { Logger } from '../logger.ts';
import { dependencyVerdict, nextFlowChange, verdictOn } from '../model/flow.ts';
import { failForDependency, rearm, release, skip } from '../model/state-machine.ts';
import { isFinalState, type Task, type TaskChange } from '../model/task.ts';
import type { TaskQueues } from '../queue/task-queues.ts';
import type { FlowStore } from '../store/flow-store.ts';
import { CoalescedPasses } from './coalesced-passes.ts';
import { RememberedDependencies } from './remembered-dependencies.ts';
import type { TaskRecorder } from './task-recorder.ts';

/** How many times a flow's next version is decided again after another writer took it. */
const MAX_RACES = 20;

/** How many unfinished dependencies of a waiting task one question lists, to be remembered. */
const UNFINISHED_LISTED = 64;

/** How many waiting tasks this process remembers unfinished dependencies of. */
const WAITING_REMEMBERED = 10_000;

export class FlowCoordinator {
  readonly #flows: FlowStore;
  readonly #recorder: TaskRecorder;
  readonly #queues: TaskQueues;
  readonly #changes: FlowChanges;
  readonly #logger: Logger;
  readonly #now: () => Date;
  /** Each flow's refreshes in this process, one at a time. */
  readonly #refreshes = new CoalescedPasses();
  /** Each task's full decisions on its dependencies in this process, one at a time. */
  readonly #decisions = new CoalescedPasses();
  /**
   * Each dependency's "is it unfinished?" lookups in this process, one at a time. A call during one
   * shares the next, which starts after the call and so after the caller's own end was recorded:
   * of two dependencies ending together, at least one still sees the other's end.
   */
  readonly #lookups = new CoalescedPasses<boolean>();
  /** Each waiting task's questions "which dependencies are unfinished?" in this process, shared like the lookups. */
  readonly #questions = new CoalescedPasses<string[]>();
  /** The refreshes `afterChange` started and has not seen end. */
  readonly #background = new Set<Promise<void>>();
  /** Dependencies found unfinished by this process's last question about each waiting task. */
  readonly #unfinished = new RememberedDependencies(WAITING_REMEMBERED);

  constructor(deps: { flows: FlowStore; recorder: TaskRecorder; queues: TaskQueues; changes: FlowChanges; logger: Logger; now?: () => Date }) {
    this.#flows = deps.flows;
    this.#recorder = deps.recorder;
    this.#queues = deps.queues;
    this.#changes = deps.changes;
    this.#logger = deps.logger;
    this.#now = deps.now ?? (() => new Date());
  }

  /**
   * Carry out what `change` of a flow task sets off; a change of a task outside flows sets off
   * nothing, nor does one of a child a flow task spawned (no task depends on it, and its parent
   * waits until it is final: `child-coordinator.ts`).
   */
  async afterChange({ task, event }: TaskChange): Promise<void> {
    if (task.flowId === null || task.parentId !== null) return;
    const finalNow = isFinalState(event.state);
    // A task back from a final state (retryTask) or re-armed: what ended because of it waits again.
    const revived = event.type === 'REQUEUED' || (event.type === 'WAITING' && !task.waitingForChildren);
    if (finalNow || revived) {
      const succeeded = event.state === 'SUCCEEDED';
      const ids = succeeded ? await this.#possiblyReady(task) : task.dependents.map((d) => d.id);
      for (const dependent of await this.#flows.tasks(task.owner, ids)) {
        if (finalNow) await this.evaluate(dependent, succeeded);
        else await this.#recorder.record(dependent, (t, now) => rearm(t, now));
      }
    }
    if (task.state === 'WAITING' && !finalNow) await this.evaluate(task);
    // The flow's next version is not what the change waits for: holding the worker's slot until it
    // was recorded cost a fan-in of 1,000 a fifth of its time. Should this process die first, the
    // reconciler records it.
    if (finalNow || revived) this.#inBackground(task.flowId, this.refresh(task.owner, task.flowId));
  }

  /** Resolves once the refreshes `afterChange` started have ended: before the process closes its connections. */
  async settled(): Promise<void> {
    while (this.#background.size > 0) await Promise.all(this.#background);
  }

  /** Track `refresh` until it ends; its failure is logged, not thrown, as the reconciler makes up for it. */
  #inBackground(flowId: string, refresh: Promise<void>): void {
    const tracked: Promise<void> = refresh
      .catch((err: unknown) => this.#logger.warn({ err, flowId }, 'could not record a flow change; the reconciler records it'))
      .finally(() => this.#background.delete(tracked));
    this.#background.add(tracked);
  }

  /**
   * The dependents of `task`, which just SUCCEEDED, that may be ready now: not those of which a
   * dependency is unfinished, found without reading them. Before this process has asked about a
   * dependent, the dependency looked up is the last one submitted; once it has, one of those the
   * answer listed (`RememberedDependencies`). So in a fan-in of 1,000 each end costs a lookup or
   * two by id, and only the ends that leave nothing remembered unfinished ask of the whole flow.
   */
  async #possiblyReady(task: Task): Promise<string[]> {
    const unfinished = new Map<string, Promise<boolean>>();
    const asked = (id: string) => {
      if (!unfinished.has(id)) unfinished.set(id, this.#lookups.run(taskKey(task.owner, id), () => this.#flows.isUnfinished(task.owner, id)));
      return unfinished.get(id)!;
    };
    const ready = await Promise.all(
      task.dependents.map(async (d) => {
        const remembered = await this.#unfinished.anyUnfinished(taskKey(task.owner, d.id), task.id, asked);
        if (remembered !== undefined) return !remembered;
        return d.lastDependency === task.id || !(await asked(d.lastDependency));
      }),
    );
    return task.dependents.filter((_, i) => ready[i]).map((d) => d.id);
  }

  /**
   * Decide a WAITING task on its dependencies as they are now: release it (READY, and queue its
   * job), fail or skip it, or leave it waiting. Anything but a task WAITING for its dependencies is left alone.
   *
   * @param afterSuccess the call follows a dependency's success: then, while another dependency is
   *   unfinished, nothing can have changed the decision — a failed one decides on its own end (or
   *   the reconciler, should that be lost) — and one cheap question settles it, whose answer is
   *   remembered for the next ends
   */
  async evaluate(task: Task, afterSuccess = false): Promise<void> {
    const key = taskKey(task.owner, task.id);
    // A parent waiting for its children ran already: its children, not its dependencies, end it.
    if (task.state !== 'WAITING' || task.waitingForChildren) return this.#unfinished.forget(key);
    // Once every dependency this process saw unfinished has ended, asking again would find none.
    if (afterSuccess && !this.#unfinished.allEnded(key)) {
      const unfinished = await this.#questions.run(key, () => this.#flows.unfinishedDependencies(task, UNFINISHED_LISTED));
      if (unfinished.length > 0) return this.#unfinished.remember(key, unfinished, unfinished.length < UNFINISHED_LISTED);
    }
    this.#unfinished.forget(key);
    // The last tasks of a fan-in, ending together, each find none unfinished: they share decisions.
    // A pass after the first decides from a task that may have moved on since: its transition
    // then loses the version race, and the recorder decides again from the task as stored.
    await this.#decisions.run(key, () => this.#decide(task, afterSuccess));
  }

  /**
   * The full decision of `evaluate`.
   *
   * @param expectRelease no dependency was found unfinished after a success: the decision is
   *   likely a release, which reads every dependency anyway, so they are read at once
   */
  async #decide(task: Task, expectRelease: boolean): Promise<void> {
    // Otherwise only what decides it is read: not every dependency of a large fan-in at each failure.
    const verdict = expectRelease
      ? dependencyVerdict(task.onDependencyFailure, await this.#flows.dependencyStates(task))
      : verdictOn(task.onDependencyFailure, await this.#flows.dependencySummary(task));
    if (verdict.kind === 'wait') return;
    if (verdict.kind === 'fail') {
      await this.#recorder.record(task, (t, now) => failForDependency(t, verdict.dependency, now));
      return;
    }
    if (verdict.kind === 'skip') {
      const { ref, id, state } = verdict.dependency;
      await this.#recorder.record(task, (t, now) => skip(t, `dependency "${ref ?? id}" is ${state}`, now));
      return;
    }
    const released = await this.#recorder.record(task, (t, now) => release(t, now));
    // Recorded first, so a worker taking the job finds it PENDING. Should Redis fail right here,
    // the task waits PENDING without a job until the reconciler queues it.
    if (released.ok) await this.#queues.add(released.task);
  }

  /**
   * Record the flow's next version if its tasks' states have moved its state or progress on, and
   * announce it. In one process one refresh of a flow runs at a time: a call meanwhile asks it for
   * one more pass, which starts after the caller's change and so sees it, and resolves with that
   * pass — so 50 tasks of a flow ending at once on a worker make a few passes, not 50 racing ones.
   */
  async refresh(owner: string, flowId: string): Promise<void> {
    await this.#refreshes.run(`${owner}\u0000${flowId}`, () => this.#record(owner, flowId));
  }

  /**
   * One pass of `refresh`. Deciding from the newest version and inserting the next one makes
   * refreshes in several processes agree: the loser decides again from what the winner recorded.
   */
  async #record(owner: string, flowId: string): Promise<void> {
    for (let race = 0; race < MAX_RACES; race++) {
      const latest = await this.#flows.latest(owner, flowId);
      if (!latest) return; // undone meanwhile
      const next = nextFlowChange(latest, await this.#flows.taskStates(owner, flowId), this.#now());
      if (!next) return;
      if (await this.#flows.append(owner, next)) {
        await this.#changes.publish(flowId, next.version).catch((err: unknown) => {
          // Subscribers read the log again when they next hear of the flow or look after a silence.
          this.#logger.warn({ err, flowId, version: next.version }, 'could not announce a flow change');
        });
        return;
      }
    }
    this.#logger.warn({ flowId }, `lost ${MAX_RACES} races in a row recording a flow change; the reconciler records it`);
  }
}

/** The key of task `id` of `owner` in this process's per-task bookkeeping. */
function taskKey(owner: string, id: string): string {
  return `${owner}\u0000${id}`;
}

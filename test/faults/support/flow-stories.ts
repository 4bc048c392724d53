/**
 * Checking that a flow's story is complete and true, as `stories.ts` does for a task: the flow is
 * final and its state is what its tasks' states make it, its change log counts 1, 2, 3, … without
 * a gap and ends where the flow is, each `flowUpdated` subscriber received consecutive versions
 * that are the recorded ones, and each task's story is coherent — its own (`storyProblems`) and
 * as a flow task: one with dependencies was created WAITING and ran only after a READY recorded
 * once all of them were final; one without never waited.
 */
import type { ExecutionResult } from 'graphql';
import { MongoClient } from 'mongodb';
import type { FlowUpdatedSubscription } from '../../../schema/generated/graphql.ts';
import { flowProgress, flowStateOf, isFinalFlowState, type Flow, type FlowChange } from '../../../src/model/flow.ts';
import { isFinalState } from '../../../src/model/task.ts';
import { FlowStore } from '../../../src/store/flow-store.ts';
import type { TaskWithEvents } from '../../../src/store/task-store.ts';
import { describeStory, range, storyProblems, type StoredTasks, type Subscriber } from './stories.ts';

/** One flow version as a `flowUpdated` subscriber received it. */
export interface ReceivedFlow {
  version: number;
  state: string;
  progress: number;
}

/** What one `flowUpdated` subscriber of a flow received. */
export interface FlowSubscriber {
  name: string;
  /** Whether it listened from the flow's first version: then it must have every version from 1. */
  fromStart: boolean;
  flows: ReceivedFlow[];
}

/** The flows of `flowUpdated` results, in the order received. */
export function receivedFlows(results: ExecutionResult<FlowUpdatedSubscription>[]): ReceivedFlow[] {
  return results.flatMap((r) => (r.data ? [{ version: r.data.flowUpdated.version, state: r.data.flowUpdated.state, progress: r.data.flowUpdated.progress }] : []));
}

/** A flow as the record has it: the flow, its change log, and each of its tasks with its event log. */
export interface FlowStory {
  flow: Flow;
  changes: FlowChange[];
  tasks: TaskWithEvents[];
}

/** Read access to the stored flows of one test's database. */
export class StoredFlows {
  readonly #client: MongoClient;
  readonly #flows: FlowStore;
  readonly #tasks: StoredTasks;

  /** @param env a test's environment (`testEnv`); `tasks` reads the same database's task stories */
  constructor(env: Record<string, string>, tasks: StoredTasks) {
    this.#client = new MongoClient(env['MONGO_URL'] ?? '', { serverSelectionTimeoutMS: 5_000 });
    this.#flows = new FlowStore(this.#client.db(env['MONGO_DB']));
    this.#tasks = tasks;
  }

  /** The flow's story, or null when no submitted flow has that id. */
  async get(id: string): Promise<FlowStory | null> {
    const flow = await this.#flows.get({ id, owner: null });
    if (!flow) return null;
    const changes = await this.#flows.changesAfter(flow, 0);
    const tasks = await Promise.all(flow.taskIds.map((taskId) => this.#tasks.get(taskId)));
    return { flow, changes, tasks: tasks.filter((t) => t !== null) };
  }

  close(): Promise<void> {
    return this.#client.close();
  }
}

/** The problems of one flow's story; none when it is complete and true. */
export function flowStoryProblems(story: FlowStory | null, subscribers: FlowSubscriber[], taskSubscribers: Map<string, Subscriber[]> = new Map()): string[] {
  if (!story) return ['flow not stored (or never submitted)'];
  const { flow, changes, tasks } = story;
  const problems: string[] = [];
  if (tasks.length !== flow.taskIds.length) problems.push(`${flow.taskIds.length - tasks.length} of its ${flow.taskIds.length} tasks are not stored`);
  if (!isFinalFlowState(flow.state)) problems.push(`flow not final: ${flow.state}`);
  const fromTasks = flowStateOf(tasks.map((t) => t.task.state));
  if (fromTasks !== flow.state) problems.push(`flow ${flow.state}, its tasks' states make it ${fromTasks}`);
  if (flow.finished !== tasks.filter((t) => isFinalState(t.task.state)).length) problems.push(`flow counts ${flow.finished} finished tasks of ${flow.total}`);

  const versions = changes.map((c) => c.version);
  if (versions.join() !== range(1, versions.length).join()) problems.push(`change log versions ${versions.join(',')}, not 1…${versions.length}`);
  const last = changes.at(-1);
  if (last?.version !== flow.version || last.state !== flow.state) problems.push(`flow at ${flow.version} ${flow.state}, log ends at ${last?.version} ${last?.state}`);

  const byVersion = new Map(changes.map((c) => [c.version, c]));
  for (const sub of subscribers) {
    const where = `flowUpdated subscriber ${sub.name}`;
    const got = sub.flows.map((f) => f.version);
    const first = sub.fromStart ? 1 : (got[0] ?? 1);
    if (got.join() !== range(first, flow.version).join()) problems.push(`${where}: versions ${got.join(',')}, not ${first}…${flow.version}`);
    for (const f of sub.flows) {
      const recorded = byVersion.get(f.version);
      if (!recorded || recorded.state !== f.state || flowProgress(recorded) !== f.progress) {
        problems.push(`${where}: version ${f.version} is ${f.state} at ${f.progress}, recorded ${recorded ? `${recorded.state} at ${flowProgress(recorded)}` : 'nothing'}`);
      }
    }
  }

  const byId = new Map(tasks.map((t) => [t.task.id, t]));
  for (const story of tasks) {
    const { task, events } = story;
    const own = storyProblems(story, taskSubscribers.get(task.id) ?? []);
    const where = `task ${task.ref ?? task.id}`;
    const types = events.map((e) => e.type);
    if (task.dependsOn.length === 0) {
      if (types.includes('READY') || events[0]?.state === 'WAITING') own.push('waited without dependencies');
    } else {
      if (events[0]?.state !== 'WAITING') own.push(`created ${events[0]?.state}, not WAITING`);
      const started = types.indexOf('STARTED');
      const ready = types.lastIndexOf('READY', started < 0 ? undefined : started);
      if (started >= 0 && ready < 0) own.push('STARTED without a READY before it');
      if (ready >= 0) {
        const readyAt = events[ready]!.at.getTime();
        for (const id of task.dependsOn) {
          const dependency = byId.get(id);
          const finalAt = dependency?.events.find((e) => isFinalState(e.state))?.at.getTime();
          if (finalAt === undefined || finalAt > readyAt) own.push(`READY before dependency ${dependency?.task.ref ?? id} was final`);
        }
      }
    }
    if (own.length > 0) problems.push(`${where}: ${own.join('; ')}\n${describeStory(task.id, story, taskSubscribers.get(task.id) ?? [])}`);
  }
  return problems;
}

/** A flow's story for a failure message: its change log, then what each subscriber received. */
export function describeFlowStory(id: string, story: FlowStory | null, subscribers: FlowSubscriber[]): string {
  const lines = [`flow ${id}:`];
  if (story) {
    lines.push(`  record: ${story.flow.state} v${story.flow.version}, ${story.flow.finished}/${story.flow.total} finished`);
    lines.push(`  log: ${story.changes.map((c) => `${c.version}:${c.state}:${c.finished}`).join(' ')}`);
  } else {
    lines.push('  record: none');
  }
  for (const sub of subscribers) lines.push(`  ${sub.name}: ${sub.flows.map((f) => `${f.version}:${f.state}:${f.progress}`).join(' ') || 'nothing'}`);
  return lines.join('\n');
}

/**
 * Check every flow's story (and its tasks'); throws one error listing each divergent flow with its
 * problems and story. Resolves with how many flows were checked.
 */
export async function assertFlowStories(stored: StoredFlows, flows: Map<string, FlowSubscriber[]>, taskSubscribers?: Map<string, Subscriber[]>): Promise<number> {
  const failures: string[] = [];
  for (const [id, subscribers] of flows) {
    const story = await stored.get(id);
    const problems = flowStoryProblems(story, subscribers, taskSubscribers);
    if (problems.length > 0) failures.push(`${problems.join('\n')}\n${describeFlowStory(id, story, subscribers)}`);
  }
  if (failures.length > 0) throw new Error(`${failures.length} of ${flows.size} flows diverge:\n${failures.join('\n')}`);
  return flows.size;
}

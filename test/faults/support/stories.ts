/**
 * Checking that a task's story is complete and true: what MongoDB holds (the task and its event
 * log) agrees with itself and with every sequence a subscriber received, under the contract's
 * rules. Problems come back as readable lines, and a failing check prints the whole story.
 */
import type { ExecutionResult } from 'graphql';
import { MongoClient, type Db } from 'mongodb';
import type { TaskEventsSubscription } from '../../../schema/generated/graphql.ts';
import { FINAL_STATES, isFinalState } from '../../../src/model/task.ts';
import { TaskStore, type TaskWithEvents } from '../../../src/store/task-store.ts';

/** One event as a subscriber received it. */
export interface ReceivedEvent {
  version: number;
  type: string;
  state: string;
}

/** What one subscriber of a task received, and from which version on it asked. */
export interface Subscriber {
  name: string;
  afterVersion: number;
  events: ReceivedEvent[];
  /**
   * Whether it listened live from before the task's second event: then it must have every
   * version, superseded PROGRESS included (replay may leave those out, live delivery may not).
   */
  gapless?: boolean;
}

/** The events of `taskEvents` results, in the order received. */
export function receivedEvents(results: ExecutionResult<TaskEventsSubscription>[]): ReceivedEvent[] {
  return results.flatMap((r) => (r.data ? [{ version: r.data.taskEvents.version, type: r.data.taskEvents.type, state: r.data.taskEvents.state }] : []));
}

/** Read access to the stored tasks of one test's database, as the record has them. */
export class StoredTasks {
  readonly #client: MongoClient;
  readonly #db: Db;
  readonly #store: TaskStore;

  /** @param env a test's environment (`testEnv`): its MONGO_URL and MONGO_DB */
  constructor(env: Record<string, string>) {
    this.#client = new MongoClient(env['MONGO_URL'] ?? '', { serverSelectionTimeoutMS: 5_000 });
    this.#db = this.#client.db(env['MONGO_DB']);
    this.#store = new TaskStore(this.#db);
  }

  /** The task and its whole event log, or null when it is not stored. */
  get(id: string): Promise<TaskWithEvents | null> {
    return this.#store.getWithEvents({ id, owner: null }, 0);
  }

  /** The stored ids among `ids` (all stored ids when omitted), of tasks in a final state or not. */
  async ids(filter: { final?: boolean; among?: string[] } = {}): Promise<string[]> {
    const query: Record<string, unknown> = {};
    if (filter.among) query['_id'] = { $in: filter.among };
    if (filter.final !== undefined) query['state'] = { [filter.final ? '$in' : '$nin']: [...FINAL_STATES] };
    const docs = await this.#db.collection<{ _id: string }>('tasks').find(query, { projection: { _id: 1 } }).toArray();
    return docs.map((d) => d._id);
  }

  close(): Promise<void> {
    return this.#client.close();
  }
}

/**
 * The problems of one task's story (none when it is complete and true): the record is coherent
 * and final, and each subscriber got, in order and without duplicates, every recorded event after
 * its `afterVersion`, ending with the final one; anything else it got is a superseded PROGRESS.
 */
export function storyProblems(stored: TaskWithEvents | null, subscribers: Subscriber[]): string[] {
  if (!stored) return ['not stored'];
  const { task, events } = stored;
  const problems: string[] = [];
  if (!isFinalState(task.state)) problems.push(`not final: ${task.state}`);
  const versions = events.map((e) => e.version);
  if (versions.some((v, i) => i > 0 && v <= versions[i - 1]!)) problems.push('event log out of order');
  if (events[0]?.type !== 'CREATED' || events[0].version !== 1) problems.push('event log does not start with CREATED at version 1');
  const last = events.at(-1);
  if (last?.version !== task.version || last.state !== task.state) problems.push(`task at ${task.version} ${task.state}, log ends at ${last?.version} ${last?.state}`);
  const finals = events.filter((e) => isFinalState(e.state));
  if (finals.length !== 1 || finals[0] !== last) problems.push(`${finals.length} final events, not one at the end`);
  if (task.attempts.some((a) => a.outcome === 'RUNNING')) problems.push('an attempt is still RUNNING');
  if (task.attempts.filter((a) => a.outcome === 'SUCCEEDED').length > 1) problems.push('more than one attempt SUCCEEDED');

  const byVersion = new Map(events.map((e) => [e.version, e]));
  for (const sub of subscribers) {
    const got = sub.events.map((e) => e.version);
    const where = `subscriber ${sub.name}`;
    if (got.some((v, i) => v <= (i === 0 ? sub.afterVersion : got[i - 1]!))) problems.push(`${where}: versions not strictly increasing after ${sub.afterVersion}`);
    if (got.at(-1) !== task.version) problems.push(`${where}: ended at ${got.at(-1)}, the task is at ${task.version}`);
    const have = new Set(got);
    const missing = events.filter((e) => e.version > sub.afterVersion && !have.has(e.version)).map((e) => e.version);
    if (missing.length > 0) problems.push(`${where}: missing recorded versions ${missing.join(',')}`);
    if (sub.gapless && got.join() !== range(sub.afterVersion + 1, task.version).join()) problems.push(`${where}: not every version ${sub.afterVersion + 1}…${task.version}`);
    for (const e of sub.events) {
      const recorded = byVersion.get(e.version);
      if (recorded ? recorded.type !== e.type || recorded.state !== e.state : e.type !== 'PROGRESS') {
        problems.push(`${where}: version ${e.version} is ${e.type}/${e.state}, recorded ${recorded ? `${recorded.type}/${recorded.state}` : 'nothing (only a superseded PROGRESS may be missing)'}`);
      }
    }
  }
  return problems;
}

/** A task's story for a failure message: the record, then what each subscriber received. */
export function describeStory(id: string, stored: TaskWithEvents | null, subscribers: Subscriber[]): string {
  const lines = [`task ${id}:`];
  if (stored) {
    const { task, events } = stored;
    lines.push(`  record: ${task.type} ${task.state} v${task.version}; attempts ${task.attempts.map((a) => `${a.number}:${a.outcome}@${a.workerId ?? '-'}`).join(' ') || 'none'}`);
    lines.push(`  log: ${events.map(eventLabel).join(' ')}`);
  } else {
    lines.push('  record: none');
  }
  for (const sub of subscribers) lines.push(`  ${sub.name} (after ${sub.afterVersion}): ${sub.events.map(eventLabel).join(' ') || 'nothing'}`);
  return lines.join('\n');
}

/**
 * Check every task's story; throws one error listing each divergent task with its problems and
 * story. Resolves with how many were checked.
 */
export async function assertStories(stored: StoredTasks, tasks: Map<string, Subscriber[]>): Promise<number> {
  const failures: string[] = [];
  const ids = [...tasks.keys()];
  // A few reads at a time: thousands of tasks, one server.
  for (let i = 0; i < ids.length; i += 50) {
    await Promise.all(
      ids.slice(i, i + 50).map(async (id) => {
        const subscribers = tasks.get(id) ?? [];
        const story = await stored.get(id);
        const problems = storyProblems(story, subscribers);
        if (problems.length > 0) failures.push(`${problems.join('; ')}\n${describeStory(id, story, subscribers)}`);
      }),
    );
  }
  if (failures.length > 0) {
    throw new Error(`${failures.length} of ${ids.length} tasks diverge:\n${failures.slice(0, 20).join('\n')}${failures.length > 20 ? `\n… and ${failures.length - 20} more` : ''}`);
  }
  return ids.length;
}

function eventLabel(e: { version: number; type: string }): string {
  return `${e.version}:${e.type}`;
}

/** The whole numbers `from` to `to`, both included. */
export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

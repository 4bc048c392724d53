/**
 * What the API serves of what running tasks produce: a task's log lines and output chunks as
 * lists, and as subscriptions that replay them and then follow them live. Who may see a task is
 * `TaskService`'s to decide; this service reads only tasks the caller was allowed to see.
 */
import { isFinalState, type Task } from '../model/task.ts';
import { afterProblem, streamNameProblem, type TaskLogLine, type TaskOutputChunk } from '../model/task-output.ts';
import { InvalidInputError } from '../errors.ts';
import type { TaskOutputBus } from '../events/task-output-bus.ts';
import { openSequenceStream } from '../events/task-output-stream.ts';
import type { Principal } from '../auth/principal.ts';
import type { TaskOutputStore } from '../store/task-output-store.ts';
import type { TaskService } from './task-service.ts';

export class TaskOutputService {
  readonly #store: TaskOutputStore;
  readonly #bus: TaskOutputBus;
  readonly #tasks: TaskService;

  constructor(deps: { store: TaskOutputStore; bus: TaskOutputBus; tasks: TaskService }) {
    this.#store = deps.store;
    this.#bus = deps.bus;
    this.#tasks = deps.tasks;
  }

  /** The kept log lines of `task` after `after`; the newest `last` of them when given. */
  logs(task: Task, after: number, last: number | null): Promise<TaskLogLine[]> {
    check(afterProblem(after));
    if (last !== null) check(Number.isInteger(last) && last >= 0 ? null : `last: a whole number from 0, got ${last}`);
    return this.#store.logs(task.id, after, last);
  }

  /** The chunks of `task`'s stream `stream` after `after`. */
  output(task: Task, stream: string, after: number): Promise<TaskOutputChunk[]> {
    check(afterProblem(after));
    check(streamNameProblem(stream));
    return this.#store.output(task.id, stream, after);
  }

  /** Task `id`'s log lines after `after`, then live ones; ends after the task's final state. */
  watchLogs(principal: Principal, id: string, after: number): Promise<AsyncIterableIterator<TaskLogLine>> {
    check(afterProblem(after));
    return openSequenceStream(this.#bus, id, after, () => this.#finalStates(principal, id), {
      read: (from) => this.#store.logs(id, from),
      fromBatch: (batch) => (batch.kind === 'log' ? batch.entries : null),
      seq: (line) => line.seq,
    });
  }

  /** Task `id`'s chunks of `stream` after `after`, then live ones; ends after the task's final state. */
  watchOutput(principal: Principal, id: string, stream: string, after: number): Promise<AsyncIterableIterator<TaskOutputChunk>> {
    check(afterProblem(after));
    check(streamNameProblem(stream));
    return openSequenceStream(this.#bus, id, after, () => this.#finalStates(principal, id), {
      read: (from) => this.#store.output(id, stream, from),
      fromBatch: (batch) => (batch.kind === 'output' && batch.stream === stream ? batch.entries : null),
      seq: (chunk) => chunk.seq,
    });
  }

  /** Whether each state of task `id` is final, from its gap-free stream (which checks the caller may see it). */
  async #finalStates(principal: Principal, id: string): Promise<AsyncIterableIterator<boolean>> {
    const tasks = await this.#tasks.watchTask(principal, id);
    return (async function* () {
      try {
        for await (const task of tasks) yield isFinalState(task.state);
      } finally {
        await tasks.return?.();
      }
    })();
  }
}

function check(problem: string | null): void {
  if (problem) throw new InvalidInputError(problem);
}

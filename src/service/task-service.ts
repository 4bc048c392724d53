/**
 * What the API does with tasks: enqueue them, read them and their events, and open the live
 * streams the subscriptions serve. GraphQL-free, so it can be driven from tests and other
 * front ends alike.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { InvalidInputError } from '../errors.ts';
import type { EventBus } from '../events/event-bus.ts';
import { openTaskStream } from '../events/task-stream.ts';
import { createTask } from '../model/state-machine.ts';
import { isFinalState, PRIORITY_RANGE, type Task, type TaskEvent } from '../model/task.ts';
import type { TaskQueues } from '../queue/task-queues.ts';
import type { TaskStore } from '../store/task-store.ts';
import { parseWith, type TaskTypeRegistry } from '../tasks/registry.ts';
import type { TaskRecorder } from './task-recorder.ts';

/** An event together with the task it belongs to (as of that event, or as of the read that replayed it). */
export interface TaskEventWithTask extends TaskEvent {
  task: Task;
}

/** Limits on what a client may ask for when enqueueing. */
export const ENQUEUE_LIMITS = { maxAttempts: 100, tags: 20, tagLength: 64, idLength: 128 } as const;

const name = z.string().regex(/^[\w.-]{1,64}$/, 'letters, digits, _, . and - only, at most 64');

/** The options of `enqueueTask` this service understands (the GraphQL input's shape). */
const enqueueOptions = z.object({
  type: z.string().min(1),
  input: z.unknown().optional(),
  queue: name.nullish(),
  priority: z.number().int().min(PRIORITY_RANGE.min).max(PRIORITY_RANGE.max).nullish(),
  maxAttempts: z.number().int().min(1).max(ENQUEUE_LIMITS.maxAttempts).nullish(),
  tags: z.array(z.string().min(1).max(ENQUEUE_LIMITS.tagLength)).max(ENQUEUE_LIMITS.tags).nullish(),
});

/** What a client asks to enqueue. */
export type EnqueueRequest = z.input<typeof enqueueOptions>;

/** The enqueued task, and whether it was an earlier one returned again. */
export interface Enqueued {
  task: Task;
  deduplicated: boolean;
}

export class TaskService {
  readonly #store: TaskStore;
  readonly #queues: TaskQueues;
  readonly #bus: EventBus;
  readonly #recorder: TaskRecorder;
  readonly #types: TaskTypeRegistry;

  constructor(deps: { store: TaskStore; queues: TaskQueues; bus: EventBus; recorder: TaskRecorder; types: TaskTypeRegistry }) {
    this.#store = deps.store;
    this.#queues = deps.queues;
    this.#bus = deps.bus;
    this.#recorder = deps.recorder;
    this.#types = deps.types;
  }

  /**
   * Validate, store, queue and announce a task. Nothing is stored when the request is invalid;
   * when the job cannot be queued, the stored task is deleted again and the error thrown.
   */
  async enqueue(request: EnqueueRequest): Promise<Enqueued> {
    const options = parseWith(enqueueOptions, request, 'input');
    if (!options.ok) throw new InvalidInputError(options.message);
    const { type: typeName, queue, priority, maxAttempts, tags } = options.value;
    const type = this.#types.get(typeName);
    if (!type) throw new InvalidInputError(`input.type: unknown task type "${typeName}"; see taskTypes`);
    const input = options.value.input ?? {};
    const checked = parseWith(type.input, input, 'input.input');
    if (!checked.ok) throw new InvalidInputError(checked.message);

    const created = createTask(
      {
        id: randomUUID(),
        type: type.name,
        queue: queue ?? type.queue,
        input,
        maxAttempts: maxAttempts ?? type.maxAttempts,
        priority: priority ?? PRIORITY_RANGE.min,
        tags: [...new Set(tags ?? [])],
        idempotencyKey: null,
      },
      new Date(),
    );
    await this.#store.insert(created);
    try {
      await this.#queues.add(created.task);
    } catch (error) {
      // Undo, so no task waits for a job that does not exist. Should the undo fail too (MongoDB
      // went away as well), the worker-side reconciler is what repairs the orphan.
      await this.#store.remove(created.task.id).catch(() => {});
      throw error;
    }
    await this.#recorder.announce(created);
    return { task: created.task, deduplicated: false };
  }

  /** The task, or null when unknown. */
  get(id: string): Promise<Task | null> {
    return this.#store.get(id);
  }

  /** The task's recorded events after `afterVersion`; null when the task is unknown. */
  async events(id: string, afterVersion: number): Promise<TaskEvent[] | null> {
    return (await this.#store.getWithEvents(id, afterVersion))?.events ?? null;
  }

  /** The task now, then after each change, ending after a final state. */
  watchTask(id: string): Promise<AsyncIterableIterator<Task>> {
    return openTaskStream<Task>(this.#bus, id, 0, {
      catchUp: async (after) => {
        const task = await this.#store.get(id);
        return task && { items: task.version > after ? [task] : [], final: isFinalState(task.state) };
      },
      fromChange: (change) => change.task,
      version: (task) => task.version,
      isFinal: (task) => isFinalState(task.state),
    });
  }

  /** The task's events after `afterVersion` from the record, then live, ending after the final event. */
  watchEvents(id: string, afterVersion: number): Promise<AsyncIterableIterator<TaskEventWithTask>> {
    return openTaskStream<TaskEventWithTask>(this.#bus, id, afterVersion, {
      catchUp: async (after) => {
        const found = await this.#store.getWithEvents(id, after);
        return (
          found && {
            items: found.events.map((event) => ({ ...event, task: found.task })),
            final: isFinalState(found.task.state),
          }
        );
      },
      fromChange: (change) => ({ ...change.event, task: change.task }),
      version: (event) => event.version,
      isFinal: (event) => isFinalState(event.state),
    });
  }
}

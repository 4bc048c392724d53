/**
 * A recorded change as an event-bus message: a short JSON summary line in front, then the change
 * itself, as the store encodes it, in MessagePack (`task-pack.ts`: a process serving `taskUpdated`
 * decodes every change of the tasks it serves). Every process hears every change, and most of
 * them want none of it, or only what the summary says (metrics count events, queue statistics
 * look at owner and queue): reading the summary costs a small `JSON.parse`, so the change itself
 * is decoded only in a process that watches the task or every task's changes. (JSON text never
 * holds a raw newline, so the first newline ends the summary.)
 */
import type { TaskChange, TaskEventType, TaskState } from '../model/task.ts';
import { decodeEvent, decodeTask, encodeEvent, encodeTask, type EncodedEvent, type EncodedTask } from '../model/task-codec.ts';
import { messagePack } from '../model/task-pack.ts';

/** What a change's message says in front: enough to skip it, count it or see whom it concerns. */
export interface ChangeSummary {
  taskId: string;
  /** The task's version after the change (its event's). */
  version: number;
  /** The task's type. */
  type: string;
  queue: string;
  owner: string;
  event: TaskEventType;
  /** The task's state after the change. */
  state: TaskState;
  /** When the task first started and when it reached a final state (ms since the epoch), or null. */
  startedAt: number | null;
  finishedAt: number | null;
}

const NEWLINE = 0x0a;

/** The summary of `change`. */
export function summarize({ task, event }: TaskChange): ChangeSummary {
  return {
    taskId: task.id,
    version: event.version,
    type: task.type,
    queue: task.queue,
    owner: task.owner,
    event: event.type,
    state: task.state,
    startedAt: task.startedAt?.getTime() ?? null,
    finishedAt: task.finishedAt?.getTime() ?? null,
  };
}

/** The message that publishes `change`. */
export function encodeChangeMessage(change: TaskChange): Buffer {
  const summary = Buffer.from(`${JSON.stringify(summarize(change))}\n`);
  const body = messagePack.pack({ task: encodeTask(change.task), event: encodeEvent(change.event) });
  return Buffer.concat([summary, body], summary.byteLength + body.byteLength);
}

/** A message read up to its summary; `change()` decodes the rest (at most once). */
export interface ChangeMessage {
  summary: ChangeSummary;
  change(): TaskChange;
}

/** Read the summary of `message`; throws on a message that has none (not one of `encodeChangeMessage`). */
export function readChangeMessage(message: Buffer): ChangeMessage {
  const end = message.indexOf(NEWLINE);
  if (end < 0) throw new Error('not a change message: no summary');
  const summary = JSON.parse(message.toString('utf8', 0, end)) as ChangeSummary;
  let change: TaskChange | null = null;
  return {
    summary,
    change: () => {
      if (!change) {
        const { task, event } = messagePack.unpack(message.subarray(end + 1)) as { task: EncodedTask; event: EncodedEvent };
        change = { task: decodeTask(task), event: decodeEvent(event) };
      }
      return change;
    },
  };
}

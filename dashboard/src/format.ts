/** How the dashboard writes times, durations and states. Pure. */
import { TaskState } from './generated/graphql.ts';

/** States after which nothing happens unless someone retries. */
const FINAL_STATES: ReadonlySet<TaskState> = new Set([TaskState.SUCCEEDED, TaskState.FAILED, TaskState.CANCELLED]);

/** Whether `state` is final (an unknown state is not: its task may still change). */
export function isFinal(state: TaskState): boolean {
  return FINAL_STATES.has(state);
}

/** `1.2 s`, `3 min 4 s`, `2 h 5 min`: as precise as a glance needs. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.floor((ms % 60_000) / 1000)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/**
 * How long a task ran, as the Duration column and fact say it: start to finish once it finished;
 * the time so far, to `now`, while it runs (the views re-render every second then); '—' before it
 * started and while it waits between attempts.
 */
export function durationText(task: { state: TaskState; startedAt: string | null; finishedAt: string | null }, now: number): string {
  if (!task.startedAt) return '—';
  const started = Date.parse(task.startedAt);
  if (task.finishedAt) return formatDuration(Date.parse(task.finishedAt) - started);
  return task.state === TaskState.RUNNING ? `${formatDuration(now - started)} so far` : '—';
}

/** A timestamp in the reader's locale, with seconds. */
export function formatTime(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' }) : '—';
}

/** The first block of a UUID: enough to tell tasks apart on screen. */
export function shortId(id: string): string {
  return id.split('-', 1)[0] ?? id;
}

import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api.ts';
import { JsonView } from '../components/json-view.tsx';
import { StateChip } from '../components/state-chip.tsx';
import { TaskFamily } from '../components/task-family.tsx';
import { TaskLog } from '../components/task-log.tsx';
import { TaskOutput } from '../components/task-output.tsx';
import { WaitReasonChip } from '../components/wait-reason.tsx';
import { TaskProgress } from '../components/task-progress.tsx';
import { styleOf } from '../enums.ts';
import { durationText, formatDuration, formatTime, isFinal } from '../format.ts';
import {
  AttemptOutcome,
  CancelTaskDocument,
  RetryTaskDocument,
  TaskState,
  TaskTimelineDocument,
  type TaskEventFieldsFragment,
  type TaskFieldsFragment,
} from '../generated/graphql.ts';
import { flowHref, useApi, useNow } from '../hooks.ts';
import { gapLabel, timelineEntries } from '../timeline.ts';

/**
 * One task's page: its state and progress, input, result or error, its output and log as they are
 * written, attempts, and the timeline of every recorded event — replayed from version 0 by `taskEvents`, then live. Events are kept by
 * version, so a replay after a reconnection or a retry adds nothing twice.
 */
export function TaskPage({ id }: { id: string }) {
  const api = useApi();
  const [task, setTask] = useState<TaskFieldsFragment | null>(null);
  const [events, setEvents] = useState<TaskEventFieldsFragment[]>([]);
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Bumped after a retry: the timeline subscription completed at the final state and must resume.
  const [generation, setGeneration] = useState(0);
  // The newest version the timeline holds, where a resumed subscription picks up. Kept beside
  // `events` so that the subscription does not restart with every event.
  const newest = useRef(0);
  const now = useNow(1000, task?.state === TaskState.RUNNING);

  useEffect(() => {
    return api.subscribe(
      TaskTimelineDocument,
      { id, afterVersion: newest.current },
      {
        next: ({ taskEvents: { task: latest, ...event } }) => {
          newest.current = Math.max(newest.current, event.version);
          setEvents((known) => (known.some((e) => e.version === event.version) ? known : [...known, event].sort((a, b) => a.version - b.version)));
          setTask((current) => (current && current.version > latest.version ? current : latest));
        },
        error: (e) => (e.code === 'NOT_FOUND' ? setMissing(true) : setError(e.message)),
      },
    );
    // `generation` is a dependency only to resubscribe after a retry.
  }, [api, id, generation]);

  const act = async (action: 'cancel' | 'retry') => {
    setBusy(true);
    setError(null);
    try {
      if (action === 'cancel') {
        const { cancelTask } = await api.request(CancelTaskDocument, { id, reason: 'cancelled from the dashboard' });
        setTask((current) => (current && current.version > cancelTask.version ? current : cancelTask));
      } else {
        const { retryTask } = await api.request(RetryTaskDocument, { id });
        setTask(retryTask);
        setGeneration((n) => n + 1);
      }
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  if (missing) {
    return (
      <section class="panel">
        <h1>Task not found</h1>
        <p>
          No task <span class="mono">{id}</span> exists that you may see. <a href="#/">Back to tasks</a>
        </p>
      </section>
    );
  }
  if (!task) return <p class="muted">{error ?? 'Loading…'}</p>;

  return (
    <article class="task-page" aria-labelledby="task-title">
      <p>
        <a href="#/">← Tasks</a>
        {task.flowId && <a href={flowHref(task.flowId)}> · its flow</a>}
      </p>
      <header class="task-head">
        <h1 id="task-title">
          {task.type} <span class="mono muted small">{task.id}</span>
        </h1>
        <StateChip state={task.state} /> <WaitReasonChip reason={task.waitReason} />
        <div class="actions">
          {!isFinal(task.state) && (
            <button type="button" class="danger" disabled={busy} onClick={() => void act('cancel')}>
              Cancel
            </button>
          )}
          {(task.state === TaskState.FAILED || task.state === TaskState.CANCELLED) && (
            <button type="button" disabled={busy} onClick={() => void act('retry')}>
              Retry
            </button>
          )}
        </div>
      </header>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <TaskProgress task={task} />
      <dl class="facts">
        <Fact name="Queue" value={task.queue} />
        <Fact name="Priority" value={String(task.priority)} />
        <Fact name="Attempt" value={`${task.attempt} of ${task.maxAttempts}`} />
        <Fact name="Tags" value={task.tags.join(', ') || '—'} />
        <Fact name="Created" value={formatTime(task.createdAt)} />
        {task.runAt && <Fact name="Runs at" value={formatTime(task.runAt)} />}
        <Fact name="Started" value={formatTime(task.startedAt)} />
        <Fact name="Finished" value={formatTime(task.finishedAt)} />
        <Fact name="Duration" value={durationText(task, now)} />
        {task.idempotencyKey && <Fact name="Idempotency key" value={task.idempotencyKey} />}
      </dl>
      <TaskFamily id={task.id} version={task.version} />
      <div class="columns">
        <section aria-labelledby="input-title">
          <h2 id="input-title">Input</h2>
          <JsonView value={task.input} label="Input" />
        </section>
        <section aria-labelledby="outcome-title">
          <h2 id="outcome-title">{task.error ? 'Error' : 'Result'}</h2>
          {task.error ? <ErrorView error={task.error} /> : <JsonView value={task.result} label="Result" />}
        </section>
      </div>
      <TaskOutput id={id} generation={generation} />
      <TaskLog id={id} generation={generation} />
      <section aria-labelledby="attempts-title">
        <h2 id="attempts-title">Attempts</h2>
        {task.attempts.length === 0 ? (
          <p class="muted">Not started yet.</p>
        ) : (
          <ol class="attempts">
            {task.attempts.map((attempt) => (
              <li key={attempt.number} class="attempt" aria-label={`Attempt ${attempt.number}`}>
                <p>
                  <strong>Attempt {attempt.number}</strong> <span class={`outcome outcome-${styleOf(AttemptOutcome, attempt.outcome)}`}>{attempt.outcome}</span>{' '}
                  <span class="muted small">
                    {formatTime(attempt.startedAt)}
                    {attempt.finishedAt && ` · ${formatDuration(Date.parse(attempt.finishedAt) - Date.parse(attempt.startedAt))}`}
                    {attempt.workerId && ` · ${attempt.workerId}`}
                  </span>
                </p>
                {attempt.error && <ErrorView error={attempt.error} />}
              </li>
            ))}
          </ol>
        )}
      </section>
      <section aria-labelledby="timeline-title">
        <h2 id="timeline-title">Timeline</h2>
        <ol class="timeline">
          {timelineEntries(events).map((entry) =>
            entry.kind === 'gap' ? (
              <li key={`gap-${entry.from}`} class="timeline-gap muted">
                <span class="mono">{gapLabel(entry)}</span>: progress superseded by a later report, not kept
              </li>
            ) : (
              <li key={entry.event.version}>
                <span class="mono muted">v{entry.event.version}</span> <strong>{entry.event.type}</strong> → <StateChip state={entry.event.state} />{' '}
                <time class="muted small" dateTime={entry.event.at}>
                  {formatTime(entry.event.at)}
                </time>
                <EventDetail event={entry.event} />
              </li>
            ),
          )}
        </ol>
      </section>
    </article>
  );
}

function Fact({ name, value }: { name: string; value: string }) {
  return (
    <div>
      <dt>{name}</dt>
      <dd>{value}</dd>
    </div>
  );
}

function ErrorView({ error }: { error: { name: string; message: string; stack?: string | null; retryable: boolean } }) {
  return (
    <div class="error-view">
      <p>
        <strong>{error.name}</strong>: {error.message} {!error.retryable && <span class="muted small">(not retryable)</span>}
      </p>
      {error.stack && (
        <details>
          <summary>Stack trace</summary>
          <pre class="stack">{error.stack}</pre>
        </details>
      )}
    </div>
  );
}

function EventDetail({ event }: { event: TaskEventFieldsFragment }) {
  const parts = [
    event.attempt > 0 && `attempt ${event.attempt}`,
    event.progress?.percent != null && `${Math.round(event.progress.percent)}%`,
    event.progress?.message,
    event.error && `${event.error.name}: ${event.error.message}`,
    event.nextRunAt && `next run ${formatTime(event.nextRunAt)}`,
    event.reason,
  ].filter(Boolean);
  return parts.length > 0 ? <span class="event-detail"> — {parts.join(' · ')}</span> : null;
}

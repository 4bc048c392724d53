import { useState } from 'preact/hooks';
import { LogLevel, TaskLogStreamDocument, type LogLineFragment } from '../generated/graphql.ts';
import { styleOf } from '../enums.ts';
import { formatTime } from '../format.ts';
import { useApi } from '../hooks.ts';
import { useSequence } from '../use-sequence.ts';

/** The log's levels, lowest first, from the schema. */
const LEVELS = Object.values(LogLevel);

/**
 * A task's log as it is written: a checkbox per level to show or hide its lines, and a heading
 * where each attempt's lines begin (a retried task keeps every attempt's).
 */
export function TaskLog({ id, generation }: { id: string; generation: number }) {
  const api = useApi();
  const { entries, error } = useSequence(api, TaskLogStreamDocument, { id }, (data) => data.taskLogs, generation);
  const [shown, setShown] = useState<ReadonlySet<string>>(new Set(LEVELS));
  // A level this dashboard does not know (a newer server) is always shown.
  const visible = entries.filter((line) => shown.has(line.level) || !(LEVELS as string[]).includes(line.level));
  const toggle = (level: string) =>
    setShown((current) => {
      const next = new Set(current);
      if (!next.delete(level)) next.add(level);
      return next;
    });

  return (
    <section aria-labelledby="log-title">
      <h2 id="log-title">Log</h2>
      <fieldset class="log-levels">
        <legend class="muted small">Levels</legend>
        {LEVELS.map((level) => (
          <label key={level}>
            <input type="checkbox" checked={shown.has(level)} onChange={() => toggle(level)} /> {level}
          </label>
        ))}
      </fieldset>
      {error && <p class="error" role="alert">{error.message}</p>}
      {visible.length === 0 ? (
        <p class="muted">{entries.length === 0 ? 'No log lines yet.' : 'No lines at the levels shown.'}</p>
      ) : (
        <ol class="log" aria-label="Log">
          {visible.map((line, i) => (
            <LogEntry key={line.seq} line={line} firstOfAttempt={i === 0 || visible[i - 1]!.attempt !== line.attempt} />
          ))}
        </ol>
      )}
    </section>
  );
}

function LogEntry({ line, firstOfAttempt }: { line: LogLineFragment; firstOfAttempt: boolean }) {
  return (
    <>
      {firstOfAttempt && (
        <li class="log-attempt" role="separator" aria-label={`Attempt ${line.attempt}`}>
          Attempt {line.attempt}
        </li>
      )}
      <li class={`log-line log-${styleOf(LogLevel, line.level)}`}>
        <time class="muted small" dateTime={line.at}>
          {formatTime(line.at)}
        </time>{' '}
        <span class="log-level">{line.level}</span> {line.message}
        {line.data != null && <span class="mono muted small"> {JSON.stringify(line.data)}</span>}
      </li>
    </>
  );
}

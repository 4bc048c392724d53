import { useLayoutEffect, useRef } from 'preact/hooks';
import { TaskOutputStreamDocument } from '../generated/graphql.ts';
import { useApi } from '../hooks.ts';
import { useSequence } from '../use-sequence.ts';

/** How close to the end (px) the view must be scrolled to keep following new output. */
const FOLLOW_SLACK_PX = 24;

/**
 * A task's default output stream as it is written: monospace, following the end while the reader
 * is there (scrolling up to read stops that; scrolling back down resumes it), and resuming after
 * a reconnection where it stopped.
 */
export function TaskOutput({ id, generation }: { id: string; generation: number }) {
  const api = useApi();
  const { entries, error } = useSequence(api, TaskOutputStreamDocument, { id }, (data) => data.taskOutput, generation);
  const view = useRef<HTMLPreElement>(null);
  const following = useRef(true);

  useLayoutEffect(() => {
    const element = view.current;
    if (element && following.current) element.scrollTop = element.scrollHeight;
  }, [entries.length]);

  return (
    <section aria-labelledby="output-title">
      <h2 id="output-title">
        Output {entries.length > 0 && <span class="muted small">{entries.length.toLocaleString()} chunks</span>}
      </h2>
      {error && <p class="error" role="alert">{error.message}</p>}
      {entries.length === 0 ? (
        <p class="muted">No output yet.</p>
      ) : (
        <pre
          ref={view}
          class="output"
          aria-label="Output"
          onScroll={(event) => {
            const element = event.currentTarget;
            following.current = element.scrollHeight - element.scrollTop - element.clientHeight <= FOLLOW_SLACK_PX;
          }}
        >
          {entries.map((chunk) => chunk.data).join('')}
        </pre>
      )}
    </section>
  );
}

import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api.ts';
import { PauseQueueDocument, QueueStatsUpdatedDocument, ResumeQueueDocument, type QueueStatsFieldsFragment } from '../generated/graphql.ts';
import { useApi } from '../hooks.ts';

const COUNTS = ['pending', 'scheduled', 'running', 'retrying', 'succeeded', 'failed', 'cancelled'] as const;

/** One card per queue, live from `queueStatsUpdated` (all queues at once, then each change). */
export function QueueCards() {
  const api = useApi();
  const [queues, setQueues] = useState<Record<string, QueueStatsFieldsFragment>>({});
  useEffect(
    () =>
      api.subscribe(
        QueueStatsUpdatedDocument,
        {},
        { next: ({ queueStatsUpdated: stats }) => setQueues((all) => ({ ...all, [stats.name]: stats })) },
      ),
    [api],
  );
  const [problems, setProblems] = useState<Record<string, string>>({});
  const list = Object.values(queues).sort((a, b) => a.name.localeCompare(b.name));
  /** Pause or resume a queue (admins only: anyone else reads the API's refusal on the card). */
  const toggle = async (queue: QueueStatsFieldsFragment) => {
    try {
      const stats = queue.paused
        ? (await api.request(ResumeQueueDocument, { name: queue.name })).resumeQueue
        : (await api.request(PauseQueueDocument, { name: queue.name })).pauseQueue;
      setQueues((all) => ({ ...all, [stats.name]: stats }));
      setProblems(({ [queue.name]: _gone, ...rest }) => rest);
    } catch (error) {
      setProblems((all) => ({ ...all, [queue.name]: error instanceof ApiError ? error.message : String(error) }));
    }
  };
  return (
    <section aria-labelledby="queues-title">
      <h2 id="queues-title">Queues</h2>
      {list.length === 0 && <p class="muted">No queues yet.</p>}
      <ul class="cards">
        {list.map((queue) => (
          <li class="card" key={queue.name} aria-label={`Queue ${queue.name}`}>
            <h3>
              {queue.name} {queue.paused && <span class="chip chip-waiting">paused</span>}
            </h3>
            <dl class="counts">
              {COUNTS.map((count) => (
                <div key={count} class={`count count-${count}`}>
                  <dt>{count}</dt>
                  <dd>{queue[count]}</dd>
                </div>
              ))}
              <div class="count">
                <dt>workers</dt>
                <dd>{queue.workers}</dd>
              </div>
            </dl>
            <button type="button" onClick={() => void toggle(queue)}>
              {queue.paused ? 'Resume' : 'Pause'}
            </button>
            {problems[queue.name] && (
              <p class="error" role="alert">
                {problems[queue.name]}
              </p>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

import { useEffect, useState } from 'preact/hooks';
import { QueueStatsUpdatedDocument, type QueueStatsFieldsFragment } from '../generated/graphql.ts';
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
  const list = Object.values(queues).sort((a, b) => a.name.localeCompare(b.name));
  return (
    <section aria-labelledby="queues-title">
      <h2 id="queues-title">Queues</h2>
      {list.length === 0 && <p class="muted">No queues yet.</p>}
      <ul class="cards">
        {list.map((queue) => (
          <li class="card" key={queue.name} aria-label={`Queue ${queue.name}`}>
            <h3>{queue.name}</h3>
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
          </li>
        ))}
      </ul>
    </section>
  );
}

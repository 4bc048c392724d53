/**
 * The dashboard's frame: the connection (re-made when the token changes), the header with its
 * live indicator and sign-in, and the page of the current route.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Api, graphqlUrl } from './api.ts';
import { ApiContext, SCHEDULES_HREF, useConnectionStatus, useRoute, type Route } from './hooks.ts';
import { FlowPage } from './views/flow-page.tsx';
import { SchedulesPage } from './views/schedules-page.tsx';
import { SignIn } from './views/sign-in.tsx';
import { TaskPage } from './views/task-page.tsx';
import { TasksPage } from './views/tasks-page.tsx';

const TOKEN_KEY = 'taskql.token';

/** The whole dashboard. */
export function App() {
  const [token, setToken] = useState(() => localStorage.getItem(TOKEN_KEY));
  const api = useMemo(() => new Api(graphqlUrl(location.href), token), [token]);
  useEffect(() => () => api.dispose(), [api]);
  const status = useConnectionStatus(api);
  const route = useRoute();
  const [signingIn, setSigningIn] = useState(false);

  const saveToken = (next: string | null) => {
    if (next) localStorage.setItem(TOKEN_KEY, next);
    else localStorage.removeItem(TOKEN_KEY);
    setToken(next);
    setSigningIn(false);
  };

  useEffect(() => {
    document.title = route.page === 'task' || route.page === 'flow' ? `${route.page === 'task' ? 'Task' : 'Flow'} ${route.id} · taskql` : route.page === 'schedules' ? 'Schedules · taskql' : 'Tasks · taskql';
  }, [route]);

  return (
    <ApiContext.Provider value={api}>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="#/">
          taskql
        </a>
        <nav aria-label="Main">
          <a href="#/" aria-current={route.page === 'tasks' ? 'page' : undefined}>
            Tasks
          </a>
          <a href={SCHEDULES_HREF} aria-current={route.page === 'schedules' ? 'page' : undefined}>
            Schedules
          </a>
          <a href="graphql">GraphiQL</a>
        </nav>
        <span class={`connection connection-${status}`} role="status">
          {status === 'connected' ? 'Live' : status === 'unauthorized' ? 'Signed out' : status === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
        </span>
        <button type="button" class="secondary" onClick={() => setSigningIn(!signingIn)} aria-expanded={signingIn}>
          {token ? 'Token' : 'Sign in'}
        </button>
      </header>
      {(signingIn || status === 'unauthorized') && <SignIn token={token} rejected={status === 'unauthorized'} onSave={saveToken} />}
      <main id="main" tabIndex={-1}>
        {status !== 'unauthorized' && <Page route={route} token={token} />}
      </main>
    </ApiContext.Provider>
  );
}

/** The current route's page, made anew when the token changes (what it shows is the caller's). */
function Page({ route, token }: { route: Route; token: string | null }) {
  switch (route.page) {
    case 'task':
      return <TaskPage key={`${route.id}:${token}`} id={route.id} />;
    case 'flow':
      return <FlowPage key={`${route.id}:${token}`} id={route.id} />;
    case 'schedules':
      return <SchedulesPage key={token} />;
    default:
      return <TasksPage key={token} />;
  }
}

/** Hooks the views share: the API connection, its status, a ticking clock, the current route. */
import { createContext } from 'preact';
import { useContext, useEffect, useReducer, useState } from 'preact/hooks';
import type { Api, ConnectionStatus } from './api.ts';

/** Where views find the connection `App` made (see `useApi`). */
export const ApiContext = createContext<Api | null>(null);

/** The dashboard's connection (provided by `App`). */
export function useApi(): Api {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside ApiContext');
  return api;
}

/** The connection's status, re-rendering on change. */
export function useConnectionStatus(api: Api): ConnectionStatus {
  const [status, setStatus] = useState(api.status);
  useEffect(() => {
    setStatus(api.status);
    return api.onStatus(setStatus);
  }, [api]);
  return status;
}

/**
 * `Date.now()` as of this render; while `active`, the component re-renders every `ms` (running
 * durations count up). Read at each render rather than kept from the last tick, so a task that
 * started since never shows a time from before its start.
 */
export function useNow(ms: number, active: boolean): number {
  const [, tick] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(tick, ms);
    return () => clearInterval(timer);
  }, [ms, active]);
  return Date.now();
}

/** Where the dashboard is: the task list, one task's page, one flow's page, or the schedules. */
export type Route = { page: 'tasks' } | { page: 'task'; id: string } | { page: 'flow'; id: string } | { page: 'schedules' };

/** The schedules page's link. */
export const SCHEDULES_HREF = '#/schedules';

/** Hash routes (`#/tasks/<id>`, `#/flows/<id>`, `#/schedules`), so any static server can serve the dashboard. */
export function useRoute(): Route {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const update = () => setHash(location.hash);
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  const match = /^#\/tasks\/([^/?#]+)/.exec(hash);
  if (match?.[1]) return { page: 'task', id: decodeURIComponent(match[1]) };
  const flow = /^#\/flows\/([^/?#]+)/.exec(hash);
  if (flow?.[1]) return { page: 'flow', id: decodeURIComponent(flow[1]) };
  return hash === SCHEDULES_HREF ? { page: 'schedules' } : { page: 'tasks' };
}

/** The link to a task's page. */
export function taskHref(id: string): string {
  return `#/tasks/${encodeURIComponent(id)}`;
}

/** The link to a flow's page. */
export function flowHref(id: string): string {
  return `#/flows/${encodeURIComponent(id)}`;
}

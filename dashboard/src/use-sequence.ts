/**
 * A task's log lines or output chunks, live: replayed from the start, then followed, in `seq`
 * order. The subscription's variables hold the last seq received, and graphql-ws sends them
 * again when it reconnects, so a resumed subscription picks up after it; an entry seen already
 * (a replay overlapping what was kept) is not added twice.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Api, ApiError } from './api.ts';
import type { TypedDocumentString } from './generated/graphql.ts';

/** The entries so far, and the error that ended the subscription, if one did. */
export interface Sequence<T> {
  entries: T[];
  error: ApiError | null;
}

/**
 * Follow `document` (a subscription whose root field `field` gives one entry with a `seq`) for
 * task `id`; `generation` changes to resubscribe (after a retry, when the stream had completed).
 */
export function useSequence<T extends { seq: number }, V extends { id: string; after?: number | null }, D>(
  api: Api,
  document: TypedDocumentString<D, V>,
  variables: V,
  pick: (data: D) => T,
  generation: number,
): Sequence<T> {
  const [entries, setEntries] = useState<T[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const last = useRef(0);
  // The latest `pick`, read when an entry arrives; the variables by value, so a new object with
  // the same values does not resubscribe.
  const picker = useRef(pick);
  picker.current = pick;
  const key = JSON.stringify(variables);

  useEffect(() => {
    last.current = 0;
    setEntries([]);
    setError(null);
  }, [api, key]);

  useEffect(() => {
    // Kept up to date below: graphql-ws resends this object when it reconnects.
    const resumable = { ...(JSON.parse(key) as V), after: last.current };
    return api.subscribe(document, resumable, {
      next: (data) => {
        const entry = picker.current(data);
        if (entry.seq <= last.current) return;
        last.current = entry.seq;
        resumable.after = entry.seq;
        setEntries((known) => [...known, entry]);
      },
      error: setError,
    });
    // `generation` is a dependency only to resubscribe.
  }, [api, document, key, generation]);

  return { entries, error };
}

'use client';

import { useEffect, useState } from 'react';

/**
 * A filtered, paged list's state: what the form shows (`draft`) applies after a short pause, so
 * typing into a text filter sends one request instead of one a keystroke, and any change of filter
 * goes back to page 1. `query` is the filter alone (for the CSV export of the filtered set),
 * `listQuery` adds the page.
 */
export function useListFilters<F extends object>(initial: F, toQuery: (f: F) => URLSearchParams, pageSize = 25) {
  const [draft, setDraft] = useState<F>(initial);
  const [filters, setFilters] = useState<F>(initial);
  const [page, setPage] = useState(1);

  useEffect(() => {
    const t = setTimeout(() => {
      setFilters(draft);
      setPage(1);
    }, 250);
    return () => clearTimeout(t);
  }, [draft]);

  const query = toQuery(filters);
  const listQuery = new URLSearchParams(query);
  listQuery.set('page', String(page));
  listQuery.set('pageSize', String(pageSize));
  const set = <K extends keyof F>(key: K, value: F[K]) => setDraft((d) => ({ ...d, [key]: value }));
  return { draft, setDraft, set, query, listQuery, page, setPage };
}

'use client';

import { useCallback, useEffect, useState } from 'react';

/** An API error as the server sent it: `{ error, details }` plus the HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: unknown,
  ) {
    super(message);
  }

  /** The message for one field when `details` maps fields to messages (a 400 from validation). */
  fieldError(field: string): string | undefined {
    const d = this.details;
    return d && typeof d === 'object' ? ((d as Record<string, unknown>)[field] as string | undefined) : undefined;
  }

  /** `details` in words: a string as is, a field map as "field: message" lines. */
  get detailLines(): string[] {
    if (typeof this.details === 'string') return [this.details];
    if (this.details && typeof this.details === 'object') {
      return Object.entries(this.details as Record<string, unknown>).map(([k, v]) => (k === '_' ? String(v) : `${k}: ${String(v)}`));
    }
    return [];
  }
}

export async function apiFetch<T>(path: string, init: RequestInit = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      ...init,
      headers: { ...(init.body ? { 'Content-Type': 'application/json' } : {}), ...init.headers },
    });
  } catch {
    throw new ApiError(0, 'Network error', 'Could not reach the server. Check your connection and try again.');
  }
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    if (res.status === 401 && typeof window !== 'undefined') {
      window.location.replace(`/login?callbackUrl=${encodeURIComponent(location.pathname + location.search)}`);
    }
    throw new ApiError(res.status, body?.error ?? `Request failed (HTTP ${res.status})`, body?.details ?? null);
  }
  return body as T;
}

export type { Page } from '@/app/lib/db/paging';

/** GETs `url` whenever it changes; stale responses are dropped so fast typing can't show old results. */
export function useApi<T>(url: string | null) {
  const [version, setVersion] = useState(0);
  const key = url === null ? null : `${version} ${url}`;
  // The last answer and which request it answered: loading is "the current request has no answer yet".
  const [state, setState] = useState<{ key: string | null; data: T | null; error: ApiError | null }>({ key: null, data: null, error: null });

  useEffect(() => {
    if (url === null) return;
    let current = true;
    apiFetch<T>(url)
      .then((data) => current && setState({ key, data, error: null }))
      .catch((error: ApiError) => current && setState((s) => ({ key, data: s.data, error })));
    return () => {
      current = false;
    };
  }, [url, key]);

  const setData = useCallback((update: T | null | ((d: T | null) => T | null)) => {
    setState((s) => ({ ...s, data: typeof update === 'function' ? (update as (d: T | null) => T | null)(s.data) : update }));
  }, []);
  const reload = useCallback(() => setVersion((v) => v + 1), []);
  return { data: state.data, setData, error: state.key === key ? state.error : null, loading: key !== null && state.key !== key, reload };
}

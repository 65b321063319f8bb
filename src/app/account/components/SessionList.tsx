'use client';

import { notify } from '@/app/_ui/Toasts';
import { Time } from '@/app/_ui/Time';
import { useState } from 'react';
import type { SessionDto } from '@/app/lib/auth/session';
import { apiFetch, ApiError, useApi, type Page } from '@/app/_ui/api-client';
import { describeUserAgent as device } from '@/app/_ui/format';
import { PagedTable } from '@/app/_ui/PagedTable';
import { ErrorAlert } from '@/app/_ui/States';

/** The caller's signed-in sessions, each of which can be ended here. */
export function SessionList() {
  const [page, setPage] = useState(1);
  const sessions = useApi<Page<SessionDto>>(`/api/me/sessions?page=${page}&pageSize=10`);
  const [error, setError] = useState<ApiError | null>(null);

  async function end(path: string, method: 'DELETE' | 'POST', current: boolean) {
    setError(null);
    try {
      const out = await apiFetch<{ ended: number }>(path, { method });
      if (current) {
        // This session ended: a full load, so nothing of it stays in the page.
        window.location.replace('/login');
        return;
      }
      notify(method === 'POST' ? `Ended ${out.ended} other session${out.ended === 1 ? '' : 's'}.` : 'Session ended.');
      sessions.reload();
    } catch (e) {
      setError(e as ApiError);
    }
  }

  const others = (sessions.data?.total ?? 1) > 1;
  return (
    <section className="card stack" aria-labelledby="sessions-heading">
      <div className="toolbar">
        <h2 id="sessions-heading">Where you are signed in</h2>
        <button type="button" className="btn btn-secondary btn-small" disabled={!others} onClick={() => end('/api/me/sessions/revoke-all', 'POST', false)}>
          Sign out everywhere else
        </button>
      </div>
      <p className="hint">Sessions end after 1 hour without use, 8 hours after signing in at the latest, or when you sign out.</p>
      {error && <ErrorAlert title="Could not end the session" error={error} />}
      <PagedTable
        list={sessions}
        noun="sessions"
        caption="Sessions table"
        head={
          <>
            <th scope="col">Device</th>
            <th scope="col">Address</th>
            <th scope="col">Signed in</th>
            <th scope="col">Last active</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </>
        }
        row={(s) => (
          <tr key={s.id} data-session-id={s.id}>
            <td>
              {device(s.userAgent)} {s.current && <span className="badge badge-active">This session</span>}
            </td>
            <td className="mono small">{s.address ?? '—'}</td>
            <td>
              <Time iso={s.createdAt} />
            </td>
            <td>
              <Time iso={s.lastSeenAt} />
            </td>
            <td className="nowrap">
              <button
                type="button"
                className="btn btn-secondary btn-small"
                aria-label={s.current ? 'Sign out of this session' : `End session from ${device(s.userAgent)} at ${s.address ?? 'unknown address'}`}
                onClick={() => end(`/api/me/sessions/${s.id}`, 'DELETE', s.current)}
              >
                {s.current ? 'Sign out' : 'End'}
              </button>
            </td>
          </tr>
        )}
        empty="No active sessions."
        onPage={setPage}
      />
    </section>
  );
}

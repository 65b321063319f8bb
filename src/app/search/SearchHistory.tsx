'use client';

import { Time } from '@/app/_ui/Time';
import { useEffect, useId, useState } from 'react';
import { useAccess } from '@/app/_ui/access';
import { useApi, type Page } from '@/app/_ui/api-client';
import { formatNumber } from '@/app/_ui/format';
import { PagedTable } from '@/app/_ui/PagedTable';
import type { SearchDto } from '@/app/lib/searches';
import type { UserDto } from '@/app/lib/users';
import { SEARCH_TYPES, SEARCH_TYPE_LABELS, type SearchType } from '@/app/shared/searches';

const STATUS_LABELS: Record<SearchDto['status'], string> = {
  pending: 'In progress',
  success: 'Answered',
  failed: 'Failed',
  refunded: 'Refunded',
  rejected: 'Rejected (not charged)',
};

const QUERY_PREFIX: Record<SearchType, string> = { keyword: '', profile: 'Profile ', groups: 'Groups of ', usernames: 'Usernames ' };

/** The customer's look-ups, newest first, filterable by type and by user; `version` reloads it. */
export function SearchHistory({ me, version }: { me: { id: number; customerId: number | null }; version: number }) {
  const ids = { type: useId(), user: useId() };
  const access = useAccess();
  const [page, setPage] = useState(1);
  const [type, setType] = useState<SearchType | ''>('');
  const [userId, setUserId] = useState('');
  // Admins pick any of the customer's users; everyone can narrow the list to their own look-ups.
  const colleagues = useApi<Page<UserDto>>(access.can('users.read') ? `/api/admin/users?customerId=${me.customerId}&pageSize=100&sort=username` : null);
  const params = new URLSearchParams({ page: String(page), pageSize: '10' });
  if (type) params.set('type', type);
  if (userId) params.set('userId', userId);
  const history = useApi<Page<SearchDto>>(`/api/search/history?${params}`);
  const { reload } = history;
  useEffect(() => {
    if (version > 0) reload();
  }, [version, reload]);
  const users = colleagues.data?.items.filter((u) => u.id !== me.id) ?? [];

  return (
    <section className="stack" aria-labelledby="history-heading">
      <div className="toolbar">
        <h2 id="history-heading">Your organization&apos;s look-ups</h2>
        <div className="toolbar-actions">
          <div className="field field-inline">
            <label htmlFor={ids.type}>Type</label>
            <select
              id={ids.type}
              value={type}
              onChange={(e) => {
                setType(e.target.value as SearchType | '');
                setPage(1);
              }}
            >
              <option value="">All types</option>
              {SEARCH_TYPES.map((t) => (
                <option key={t} value={t}>
                  {SEARCH_TYPE_LABELS[t]}
                </option>
              ))}
            </select>
          </div>
          <div className="field field-inline">
            <label htmlFor={ids.user}>User</label>
            <select
              id={ids.user}
              value={userId}
              onChange={(e) => {
                setUserId(e.target.value);
                setPage(1);
              }}
            >
              <option value="">Everyone</option>
              <option value={String(me.id)}>Only me</option>
              {users.map((u) => (
                <option key={u.id} value={String(u.id)}>
                  {u.username}
                </option>
              ))}
            </select>
          </div>
        </div>
      </div>
      <PagedTable
        list={history}
        noun="look-ups"
        caption="Look-up history"
        head={
          <>
            <th scope="col">Time</th>
            <th scope="col">User</th>
            <th scope="col">Query</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">
              Results
            </th>
            <th scope="col" className="num">
              Credits
            </th>
          </>
        }
        row={(s) => (
          <tr key={s.id}>
            <td className="nowrap">
              <Time iso={s.createdAt} />
            </td>
            <td>{s.username}</td>
            <td className="description">
              {QUERY_PREFIX[s.type]}
              {s.query}
            </td>
            <td>
              {STATUS_LABELS[s.status]}
              {s.cached && <span className="small muted"> (cached)</span>}
            </td>
            <td className="num">{s.resultCount ?? '—'}</td>
            <td className="num">{s.status === 'success' ? formatNumber(s.creditsCharged) : '0'}</td>
          </tr>
        )}
        empty={type || userId ? 'No look-ups match these filters.' : 'No look-ups yet.'}
        onPage={setPage}
      />
    </section>
  );
}

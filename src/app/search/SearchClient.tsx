'use client';

import { useId, useState } from 'react';
import { ApiError, apiFetch, useApi, type Page } from '@/app/_ui/api-client';
import { ErrorAlert, Empty, Loading } from '@/app/_ui/States';
import { PagedTable } from '@/app/_ui/PagedTable';
import type { AccountSummary } from '@/app/lib/users/account';
import { formatCredits, formatDate, formatDateTime, formatNumber } from '@/app/_ui/format';
import type { RobloxProfile, RobloxUserSummary } from '@/app/lib/searches/roblox/types';
import type { SearchResult, SearchDto } from '@/app/lib/searches';

const STATUS_LABELS: Record<SearchDto['status'], string> = {
  pending: 'In progress',
  success: 'Answered',
  failed: 'Failed',
  refunded: 'Refunded',
  rejected: 'Rejected (not charged)',
};

/** The tenant users' look-up screen: balance always in view, the price stated before each search. */
export function SearchClient() {
  const account = useApi<AccountSummary>('/api/me');
  const [historyPage, setHistoryPage] = useState(1);
  const history = useApi<Page<SearchDto>>(`/api/search/history?page=${historyPage}&pageSize=10`);
  const [type, setType] = useState<'keyword' | 'profile'>('keyword');
  const [query, setQuery] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [results, setResults] = useState<{ query: string; users: RobloxUserSummary[] } | null>(null);
  const [profile, setProfile] = useState<RobloxProfile | null>(null);
  const ids = { query: useId(), hint: useId() };

  const me = account.data;
  const cost = me?.searchCost ?? 1;
  const balance = me?.balance ?? 0;
  const outOfCredits = me !== null && cost > 0 && balance < cost;
  const costText = cost === 0 ? 'Look-ups are free' : `Each look-up costs ${formatCredits(cost)}`;

  async function lookup(body: { query: string; type: 'keyword' | 'profile' }) {
    setBusy(true);
    setError(null);
    try {
      const res = await apiFetch<SearchResult>('/api/search', { method: 'POST', body: JSON.stringify(body) });
      account.setData((a) => (a ? { ...a, balance: res.balance } : a));
      if (res.type === 'keyword') {
        setResults({ query: res.query, users: res.results });
        setProfile(null);
      } else {
        setProfile(res.profile);
      }
    } catch (e) {
      setError(e as ApiError);
      account.reload();
    } finally {
      setBusy(false);
      history.reload();
    }
  }

  if (account.error) return <ErrorAlert title="Failed to load your account" error={account.error} onRetry={account.reload} />;
  if (!me) return <Loading label="Loading your account…" />;

  return (
    <div className="search-layout stack">
      <section className="card balance-bar" aria-label="Credits">
        <p>
          <span className="muted">Balance for {me.user.customerName}</span>{' '}
          <strong className="balance" data-testid="balance">
            {formatCredits(balance)}
          </strong>
        </p>
        <p className="muted">{costText}. Look-ups Roblox can&apos;t answer are refunded.</p>
      </section>

      {outOfCredits && (
        <div role="alert" className="alert alert-warning" data-testid="out-of-credits">
          <p className="alert-title">Out of credits</p>
          <p>
            Your organization has {formatCredits(balance)} left and a look-up costs {formatCredits(cost)}.{' '}
            {me.customerAdmins.length > 0
              ? `Ask your administrator (${me.customerAdmins.join(', ')}) to add credits.`
              : 'Ask your account administrator to add credits.'}
          </p>
        </div>
      )}

      <form
        className="card stack"
        onSubmit={(e) => {
          e.preventDefault();
          if (query.trim()) void lookup({ query: query.trim(), type });
        }}
      >
        <fieldset className="radio-row">
          <legend>Look up</legend>
          <label>
            <input type="radio" name="type" value="keyword" checked={type === 'keyword'} onChange={() => setType('keyword')} />{' '}
            Users by name
          </label>
          <label>
            <input type="radio" name="type" value="profile" checked={type === 'profile'} onChange={() => setType('profile')} /> A
            profile by user ID
          </label>
        </fieldset>
        <div className="field">
          <label htmlFor={ids.query}>{type === 'keyword' ? 'Username or display name' : 'Roblox user ID'}</label>
          <input
            id={ids.query}
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            inputMode={type === 'profile' ? 'numeric' : undefined}
            maxLength={50}
            aria-describedby={ids.hint}
          />
          <p id={ids.hint} className="hint">
            {type === 'keyword' ? 'At least 3 characters.' : 'Digits only, e.g. 156.'} {costText}.
          </p>
        </div>
        <div>
          <button type="submit" className="btn btn-primary" disabled={busy || outOfCredits || !query.trim()} aria-busy={busy}>
            {busy ? 'Searching…' : `Search (${formatCredits(cost)})`}
          </button>
        </div>
      </form>

      {error && <ErrorAlert title={error.status === 402 ? 'Not enough credits' : 'The look-up failed'} error={error} />}

      {profile && (
        <section className="card stack" aria-labelledby="profile-heading">
          <h2 id="profile-heading">
            {profile.displayName} <span className="muted">@{profile.name}</span>
            {profile.hasVerifiedBadge && <span className="badge badge-verified"> Verified</span>}
          </h2>
          <dl className="stats">
            <div>
              <dt>User ID</dt>
              <dd className="small">{profile.id}</dd>
            </div>
            <div>
              <dt>Joined</dt>
              <dd className="small">{formatDate(profile.created)}</dd>
            </div>
            <div>
              <dt>Status</dt>
              <dd className="small">{profile.isBanned ? 'Banned' : 'Active'}</dd>
            </div>
          </dl>
          <p>{profile.description || <span className="muted">No description.</span>}</p>
          <div>
            <button type="button" className="btn btn-secondary btn-small" onClick={() => setProfile(null)}>
              Back to results
            </button>
          </div>
        </section>
      )}

      {results && !profile && (
        <section className="stack" aria-labelledby="results-heading">
          <h2 id="results-heading">
            Results for “{results.query}” <span className="muted small">({formatNumber(results.users.length)})</span>
          </h2>
          {results.users.length === 0 ? (
            <Empty>No Roblox users match “{results.query}”.</Empty>
          ) : (
            <ul className="result-grid">
              {results.users.map((u) => (
                <li key={u.id} className="card result-card">
                  <p className="strong">
                    {u.displayName}
                    {u.hasVerifiedBadge && (
                      <span className="badge badge-verified" title="Verified">
                        {' '}
                        Verified
                      </span>
                    )}
                  </p>
                  <p className="muted">@{u.name}</p>
                  {u.previousUsernames.length > 0 && <p className="small muted">Previously: {u.previousUsernames.join(', ')}</p>}
                  <button
                    type="button"
                    className="btn btn-secondary btn-small"
                    disabled={busy || outOfCredits}
                    onClick={() => lookup({ query: String(u.id), type: 'profile' })}
                  >
                    View profile<span className="visually-hidden"> of {u.name}</span> ({formatCredits(cost)})
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>
      )}

      <section className="stack" aria-labelledby="history-heading">
        <h2 id="history-heading">Your organization&apos;s look-ups</h2>
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
              <td>
                <time dateTime={s.createdAt}>{formatDateTime(s.createdAt)}</time>
              </td>
              <td>{s.username}</td>
              <td>
                {s.type === 'profile' ? 'Profile ' : ''}
                {s.query}
              </td>
              <td>{STATUS_LABELS[s.status]}</td>
              <td className="num">{s.resultCount ?? '—'}</td>
              <td className="num">{s.status === 'success' ? formatNumber(s.creditsCharged) : '0'}</td>
            </tr>
          )}
          empty="No look-ups yet."
          onPage={setHistoryPage}
        />
      </section>
    </div>
  );
}

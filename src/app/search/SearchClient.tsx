'use client';

import * as Tabs from '@radix-ui/react-tabs';
import { useId, useState } from 'react';
import { ApiError, apiFetch, useApi } from '@/app/_ui/api-client';
import { ErrorAlert, Loading } from '@/app/_ui/States';
import { formatCredits, formatDate } from '@/app/_ui/format';
import type { SearchResult } from '@/app/lib/searches';
import type { AccountSummary } from '@/app/lib/users/account';
import { MAX_KEYWORD_LENGTH, MAX_USERNAMES, SEARCH_TYPES, SEARCH_TYPE_LABELS, type PriceEntry, type SearchType } from '@/app/shared/searches';
import { CachedNote, GroupsTable, KeywordResults, ProfileCard, UsernamesTable } from './LookupResults';
import { SearchHistory } from './SearchHistory';

/** What each tab asks for. */
const FORMS: Record<SearchType, { label: string; hint: string; numeric?: boolean; multiline?: boolean; button: string }> = {
  keyword: { label: 'Username or display name', hint: 'At least 3 characters.', button: 'Search' },
  profile: { label: 'Roblox user ID', hint: 'Digits only, e.g. 156. Shows the avatar, friends, followers and username history.', numeric: true, button: 'Look up profile' },
  groups: { label: 'Roblox user ID for groups', hint: 'Digits only. Lists the groups the user is in, with role and rank.', numeric: true, button: 'Look up groups' },
  usernames: {
    label: 'Usernames to resolve',
    hint: `Up to ${MAX_USERNAMES}, separated by commas or new lines. Each name Roblox finds is charged; the others are refunded.`,
    multiline: true,
    button: 'Resolve',
  },
};

function priceText(p: PriceEntry): string {
  if (p.credits === 0) return 'free';
  return p.per === 'name' ? `${formatCredits(p.credits)} per name found` : formatCredits(p.credits);
}

/** The credits a look-up of this type needs before Roblox answers (usernames: every name asked for). */
function needed(p: PriceEntry, type: SearchType, query: string): number {
  if (type !== 'usernames') return p.credits;
  const names = query.split(/[,\r\n]+/).filter((n) => n.trim()).length;
  return p.credits * Math.max(1, names);
}

/**
 * The tenant users' look-up screen: one tab per look-up type with its price, the balance and the
 * remaining monthly allowance always in view, results rendered per type, and the history below.
 */
export function SearchClient() {
  const account = useApi<AccountSummary>('/api/me');
  const [tab, setTab] = useState<SearchType>('keyword');
  const [queries, setQueries] = useState<Record<SearchType, string>>({ keyword: '', profile: '', groups: '', usernames: '' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [results, setResults] = useState<Extract<SearchResult, { type: 'keyword' }> | null>(null);
  const [shown, setShown] = useState<SearchResult | null>(null);
  const [historyVersion, setHistoryVersion] = useState(0);
  const ids = { query: useId(), hint: useId() };

  const me = account.data;
  if (account.error) return <ErrorAlert title="Failed to load your account" error={account.error} onRetry={account.reload} />;
  if (!me) return <Loading label="Loading your account…" />;

  const balance = me.balance ?? 0;
  const limit = me.monthlyLimit;
  const price = me.prices[tab];
  const query = queries[tab];
  const cost = needed(price, tab, query);
  const outOfCredits = cost > 0 && balance < cost;
  const overLimit = cost > 0 && limit.remaining !== null && limit.remaining < cost;

  async function lookup(body: { query: string; type: SearchType }) {
    setBusy(true);
    setError(null);
    try {
      const res = await apiFetch<SearchResult>('/api/search', { method: 'POST', body: JSON.stringify(body) });
      account.setData((a) => (a ? { ...a, balance: res.balance } : a));
      if (res.type === 'keyword') {
        setResults(res);
        setShown(null);
      } else {
        setShown(res);
      }
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setBusy(false);
      account.reload();
      setHistoryVersion((v) => v + 1);
    }
  }

  const form = FORMS[tab];
  const inputProps = {
    id: ids.query,
    value: query,
    'aria-describedby': ids.hint,
    onChange: (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => setQueries((q) => ({ ...q, [tab]: e.target.value })),
  };

  return (
    <div className="search-layout stack">
      <section className="card balance-bar" aria-label="Credits">
        <p>
          <span className="muted">Balance for {me.user.customerName}</span>{' '}
          <strong className="balance" data-testid="balance">
            {formatCredits(balance)}
          </strong>
        </p>
        <p data-testid="monthly-allowance">
          {limit.limit === null ? (
            <span className="muted">No monthly limit</span>
          ) : (
            <>
              <span className="muted">Left this month</span> <strong>{formatCredits(limit.remaining ?? 0)}</strong>{' '}
              <span className="muted small">
                of {formatCredits(limit.limit)} (resets {formatDate(limit.resetsAt)})
              </span>
            </>
          )}
        </p>
        <p className="muted">Look-ups Roblox can&apos;t answer are refunded.</p>
      </section>

      {outOfCredits && (
        <div role="alert" className="alert alert-warning" data-testid="out-of-credits">
          <p className="alert-title">Out of credits</p>
          <p>
            Your organization has {formatCredits(balance)} left and this look-up costs {formatCredits(cost)}.{' '}
            {me.customerAdmins.length > 0
              ? `Ask your administrator (${me.customerAdmins.join(', ')}) to add credits.`
              : 'Ask your account administrator to add credits.'}
          </p>
        </div>
      )}
      {!outOfCredits && overLimit && (
        <div role="alert" className="alert alert-warning" data-testid="monthly-limit-reached">
          <p className="alert-title">Monthly limit reached</p>
          <p>
            You have {formatCredits(limit.remaining ?? 0)} left of your monthly limit of {formatCredits(limit.limit ?? 0)} and this look-up
            costs {formatCredits(cost)}. The limit starts again on {formatDate(limit.resetsAt)}; your administrator can raise it.
          </p>
        </div>
      )}

      <Tabs.Root
        value={tab}
        onValueChange={(v) => {
          setTab(v as SearchType);
          setError(null);
        }}
        className="card stack"
      >
        <Tabs.List aria-label="Look-up type" className="tabs lookup-tabs">
          {SEARCH_TYPES.map((t) => (
            <Tabs.Trigger key={t} value={t} className="tab">
              {SEARCH_TYPE_LABELS[t]} <span className="tab-price">{priceText(me.prices[t])}</span>
            </Tabs.Trigger>
          ))}
        </Tabs.List>
        {SEARCH_TYPES.map((t) => (
          <Tabs.Content key={t} value={t}>
            <form
              className="stack"
              onSubmit={(e) => {
                e.preventDefault();
                if (query.trim()) void lookup({ query: query.trim(), type: t });
              }}
            >
              <div className="field">
                <label htmlFor={ids.query}>{form.label}</label>
                {form.multiline ? (
                  <textarea {...inputProps} rows={4} spellCheck={false} />
                ) : (
                  <input {...inputProps} inputMode={form.numeric ? 'numeric' : undefined} maxLength={form.numeric ? 16 : MAX_KEYWORD_LENGTH} />
                )}
                <p id={ids.hint} className="hint">
                  {form.hint}{' '}
                  {t === 'keyword'
                    ? price.credits === 0
                      ? 'Look-ups are free.'
                      : `Each look-up costs ${formatCredits(price.credits)}.`
                    : `Price: ${priceText(price)}.`}
                </p>
              </div>
              <div>
                <button
                  type="submit"
                  className="btn btn-primary"
                  disabled={busy || outOfCredits || overLimit || !query.trim()}
                  aria-busy={busy}
                >
                  {busy ? 'Searching…' : `${form.button} (${cost === 0 ? 'free' : formatCredits(cost)})`}
                </button>
              </div>
            </form>
          </Tabs.Content>
        ))}
      </Tabs.Root>

      {error && (
        <ErrorAlert
          title={error.status === 402 ? (error.message === 'Monthly limit reached' ? 'Monthly limit reached' : 'Not enough credits') : 'The look-up failed'}
          error={error}
        />
      )}

      {shown && <CachedNote result={shown} />}
      {shown?.type === 'profile' && <ProfileCard profile={shown.profile} onBack={results ? () => setShown(null) : undefined} />}
      {shown?.type === 'groups' && <GroupsTable userId={shown.userId} groups={shown.groups} />}
      {shown?.type === 'usernames' && <UsernamesTable users={shown.users} unresolved={shown.unresolved} />}

      {results && !shown && (
        <>
          <CachedNote result={results} />
          <KeywordResults
            query={results.query}
            users={results.results}
            actions={(u) => (
              <>
                <button
                  type="button"
                  className="btn btn-secondary btn-small"
                  disabled={busy || balance < me.prices.profile.credits}
                  onClick={() => lookup({ query: String(u.id), type: 'profile' })}
                >
                  View profile<span className="visually-hidden"> of {u.name}</span> ({priceText(me.prices.profile)})
                </button>
                <button
                  type="button"
                  className="btn btn-secondary btn-small"
                  disabled={busy || balance < me.prices.groups.credits}
                  onClick={() => lookup({ query: String(u.id), type: 'groups' })}
                >
                  Groups<span className="visually-hidden"> of {u.name}</span> ({priceText(me.prices.groups)})
                </button>
              </>
            )}
          />
        </>
      )}

      <SearchHistory me={{ id: me.user.id, customerId: me.user.customerId }} version={historyVersion} />
    </div>
  );
}

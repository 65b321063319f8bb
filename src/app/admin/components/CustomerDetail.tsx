'use client';

import Link from 'next/link';
import { useState } from 'react';
import type { CreditSummary, TransactionListItem } from '@/app/lib/credits';
import type { CustomerDto } from '@/app/lib/customers';
import { Can } from '@/app/_ui/access';
import { formatDate, formatDateTime, formatNumber, ROLE_LABELS, TRANSACTION_TYPE_LABELS } from '@/app/_ui/format';
import type { UserDto } from '@/app/lib/users';
import { useApi, type Page } from '@/app/_ui/api-client';
import { AddCreditsModal, type CreditTarget } from '@/app/admin/dialogs/AddCreditsModal';
import { BalanceChart } from './BalanceChart';
import { PagedTable } from '@/app/_ui/PagedTable';
import { AmountCell, BalanceChangeCell } from './TransactionCells';
import { Empty, ErrorAlert, Loading } from '@/app/_ui/States';

/** One customer: balance, where its credits came from and went, history, recent activity, users. */
export function CustomerDetail({ customerId }: { customerId: number }) {
  const customer = useApi<{ customer: CustomerDto }>(`/api/admin/customers/${customerId}`);
  const summary = useApi<CreditSummary>(`/api/admin/customers/${customerId}/credits`);
  const [recentPage, setRecentPage] = useState(1);
  const recent = useApi<Page<TransactionListItem>>(
    `/api/admin/credits/transactions?customerId=${customerId}&pageSize=10&page=${recentPage}`,
  );
  const users = useApi<Page<UserDto>>(`/api/admin/users?customerId=${customerId}&pageSize=50`);
  const [creditTarget, setCreditTarget] = useState<CreditTarget | null>(null);

  if (customer.error) return <ErrorAlert title="Failed to fetch the customer" error={customer.error} onRetry={customer.reload} />;
  if (!customer.data) return <Loading label="Loading customer…" />;
  const c = customer.data.customer;
  const reloadAll = () => {
    customer.reload();
    summary.reload();
    recent.reload();
  };

  return (
    <div className="stack">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href="/admin?tab=customers">Customers</Link> <span aria-hidden="true">/</span>{' '}
        <span aria-current="page">{c.name}</span>
      </nav>
      <div className="toolbar">
        <div>
          <h1>{c.name}</h1>
          <p className="muted">
            ID {c.id} · <span className={`badge badge-${c.status}`}>{c.status === 'active' ? 'Active' : 'Inactive'}</span> ·
            Customer since {formatDate(c.createdAt)}
            {c.contactEmail && <> · {c.contactEmail}</>}
          </p>
        </div>
        <Can permission="credits.add">
          <button
            type="button"
            className="btn btn-success"
            onClick={() => setCreditTarget({ id: c.id, name: c.name, creditBalance: c.creditBalance })}
          >
            Add Credits
          </button>
        </Can>
      </div>

      <section aria-labelledby="credits-heading" className="card stack">
        <h2 id="credits-heading">Credits</h2>
        <dl className="stats">
          <div>
            <dt>Balance</dt>
            <dd data-testid="detail-balance">{formatNumber(c.creditBalance)}</dd>
          </div>
          <div>
            <dt>Purchased</dt>
            <dd>{formatNumber(summary.data?.breakdown.purchased ?? 0)}</dd>
          </div>
          <div>
            <dt>Promotional</dt>
            <dd>{formatNumber(summary.data?.breakdown.promotional ?? 0)}</dd>
          </div>
          <div>
            <dt>Used</dt>
            <dd>{formatNumber(summary.data?.breakdown.used ?? 0)}</dd>
          </div>
          <div>
            <dt>Refunded</dt>
            <dd>{formatNumber(summary.data?.breakdown.refunded ?? 0)}</dd>
          </div>
          <div>
            <dt>Searches</dt>
            <dd>{formatNumber(c.totalSearches)}</dd>
          </div>
        </dl>
        <h3>Balance over time</h3>
        {summary.error && (
          <ErrorAlert title="Failed to fetch the credit history" error={summary.error} onRetry={summary.reload} />
        )}
        {summary.data ? (
          <BalanceChart history={summary.data.history} />
        ) : (
          !summary.error && <Loading label="Loading credit history…" />
        )}
      </section>

      <section aria-labelledby="recent-heading" className="card stack">
        <div className="toolbar">
          <h2 id="recent-heading">Recent transactions</h2>
          <a className="btn btn-secondary btn-small" href={`/api/admin/credits/transactions/export?customerId=${c.id}`} download>
            Export CSV
          </a>
        </div>
        <PagedTable
          list={recent}
          noun="transactions"
          caption="Recent transactions"
          head={
            <>
              <th scope="col">Time</th>
              <th scope="col">Type</th>
              <th scope="col" className="num">
                Amount
              </th>
              <th scope="col" className="num">
                Balance
              </th>
              <th scope="col">Description</th>
            </>
          }
          row={(t) => (
            <tr key={t.id}>
              <td>
                <time dateTime={t.createdAt}>{formatDateTime(t.createdAt)}</time>
              </td>
              <td>{TRANSACTION_TYPE_LABELS[t.type] ?? t.type}</td>
              <AmountCell amount={t.amount} />
              <BalanceChangeCell before={t.balanceBefore} after={t.balanceAfter} />
              <td className="description">{t.description}</td>
            </tr>
          )}
          empty="No transactions yet."
          onPage={setRecentPage}
        />
      </section>

      <section aria-labelledby="users-heading" className="card stack">
        <h2 id="users-heading">
          Users{' '}
          <span className="muted small">
            ({formatNumber(c.activeUserCount)} of {formatNumber(c.maxUsers)} seats in use)
          </span>
        </h2>
        {users.error && <ErrorAlert title="Failed to fetch users" error={users.error} onRetry={users.reload} />}
        {users.data &&
          (users.data.items.length === 0 ? (
            <Empty>No users yet.</Empty>
          ) : (
            <ul className="user-list">
              {users.data.items.map((u) => (
                <li key={u.id}>
                  <strong>{u.username}</strong>{' '}
                  <span className="muted">{ROLE_LABELS[u.role]}</span>{' '}
                  <span className={`badge badge-${u.active ? 'active' : 'inactive'}`}>{u.active ? 'Active' : 'Inactive'}</span>
                </li>
              ))}
            </ul>
          ))}
      </section>
      <AddCreditsModal customer={creditTarget} onClose={() => setCreditTarget(null)} onAdded={reloadAll} />
    </div>
  );
}

'use client';

import { Time } from '@/app/_ui/Time';
import Link from 'next/link';
import { useState } from 'react';
import type { CreditSummary, Grant, TransactionListItem } from '@/app/lib/credits';
import type { CustomerDto } from '@/app/lib/customers';
import { Can } from '@/app/_ui/access';
import { formatNumber, ROLE_LABELS, TRANSACTION_TYPE_LABELS } from '@/app/_ui/format';
import type { UserDto } from '@/app/lib/users';
import { useApi, type Page } from '@/app/_ui/api-client';
import { AddCreditsModal, type CreditTarget } from '@/app/admin/dialogs/AddCreditsModal';
import { DeductCreditsModal } from '@/app/admin/dialogs/DeductCreditsModal';
import { VoidGrantModal, type VoidTarget } from '@/app/admin/dialogs/VoidGrantModal';
import { LowBalanceThresholdModal } from '@/app/admin/dialogs/LowBalanceThresholdModal';
import { notify } from '@/app/_ui/Toasts';
import { BREAKDOWN_KEYS, type Breakdown } from '@/app/shared/credits';
import { BalanceChart } from './BalanceChart';
import { PagedTable } from '@/app/_ui/PagedTable';
import { AmountCell, BalanceChangeCell, VoidButton } from './TransactionCells';
import { Empty, ErrorAlert, Loading } from '@/app/_ui/States';

/** The breakdown's names, the same as the Customers list's columns and customer_stats'. */
const BREAKDOWN_LABELS: Record<keyof Breakdown, string> = {
  purchased: 'Total purchased',
  paid: 'Paid',
  promotional: 'Promotional',
  used: 'Total used',
  refunded: 'Refunded',
  expired: 'Expired',
  voided: 'Voided',
  deducted: 'Deducted',
};

/** One customer: balance, where its credits came from and went, live grants, history, recent activity, users. */
export function CustomerDetail({ customerId }: { customerId: number }) {
  const customer = useApi<{ customer: CustomerDto }>(`/api/admin/customers/${customerId}`);
  const summary = useApi<CreditSummary>(`/api/admin/customers/${customerId}/credits`);
  const [recentPage, setRecentPage] = useState(1);
  const recent = useApi<Page<TransactionListItem>>(
    `/api/admin/credits/transactions?customerId=${customerId}&pageSize=10&page=${recentPage}`,
  );
  const users = useApi<Page<UserDto>>(`/api/admin/users?customerId=${customerId}&pageSize=50`);
  const [grantsPage, setGrantsPage] = useState(1);
  const grants = useApi<Page<Grant>>(`/api/admin/customers/${customerId}/grants?status=active&pageSize=10&page=${grantsPage}`);
  const [creditTarget, setCreditTarget] = useState<CreditTarget | null>(null);
  const [deductTarget, setDeductTarget] = useState<CreditTarget | null>(null);
  const [voidTarget, setVoidTarget] = useState<VoidTarget | null>(null);
  const [editingThreshold, setEditingThreshold] = useState(false);

  if (customer.error) return <ErrorAlert title="Failed to fetch the customer" error={customer.error} onRetry={customer.reload} />;
  if (!customer.data) return <Loading label="Loading customer…" />;
  const c = customer.data.customer;
  const reloadAll = () => {
    customer.reload();
    summary.reload();
    recent.reload();
    grants.reload();
  };
  const target = { id: c.id, name: c.name, creditBalance: c.creditBalance, contactEmail: c.contactEmail };
  const soon = summary.data?.expiringSoon;

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
            Customer since <Time iso={c.createdAt} mode="date" />
            {c.contactEmail && <> · {c.contactEmail}</>}
          </p>
        </div>
        <div className="actions">
          <Can permission="credits.deduct">
            <button type="button" className="btn btn-secondary" onClick={() => setDeductTarget(target)}>
              Deduct Credits
            </button>
          </Can>
          <Can permission="credits.add">
            <button type="button" className="btn btn-success" onClick={() => setCreditTarget(target)}>
              Add Credits
            </button>
          </Can>
        </div>
      </div>

      <section aria-labelledby="credits-heading" className="card stack">
        <h2 id="credits-heading">Credits</h2>
        <dl className="stats">
          <div>
            <dt>Balance</dt>
            <dd data-testid="detail-balance">{formatNumber(c.creditBalance)}</dd>
          </div>
          {BREAKDOWN_KEYS.map((k) => (
            <div key={k}>
              <dt>{BREAKDOWN_LABELS[k]}</dt>
              <dd data-testid={`breakdown-${k}`}>{formatNumber(summary.data?.breakdown[k] ?? 0)}</dd>
            </div>
          ))}
          <div>
            <dt>Searches</dt>
            <dd>{formatNumber(c.totalSearches)}</dd>
          </div>
        </dl>
        <div className="toolbar">
          <p data-testid="low-balance-threshold">
            {c.lowBalanceThreshold === 0
              ? 'No low-balance alert.'
              : `Low-balance alert below ${formatNumber(c.lowBalanceThreshold)} credits${c.lowBalanceThresholdIsCustom ? '' : ' (the platform default)'}.`}
          </p>
          <Can permission="customers.alerts">
            <button type="button" className="btn btn-secondary btn-small" onClick={() => setEditingThreshold(true)}>
              Change alert
            </button>
          </Can>
        </div>
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

      <section aria-labelledby="grants-heading" className="card stack">
        <h2 id="grants-heading">Live grants</h2>
        {soon && (
          <div data-testid="expiring-soon" className={soon.credits > 0 ? 'alert alert-warning' : 'muted'}>
            <p>
              {soon.credits > 0
                ? <>{`${formatNumber(soon.credits)} credit${soon.credits === 1 ? '' : 's'} in ${soon.grants} grant${soon.grants === 1 ? '' : 's'} expire in the next ${soon.days} days (the first on `}<Time iso={soon.next!} />).</>
                : `Nothing expires in the next ${soon.days} days.`}
            </p>
          </div>
        )}
        <PagedTable
          list={grants}
          noun="grants"
          caption="Live grants, in the order look-ups spend them"
          head={
            <>
              <th scope="col">Grant</th>
              <th scope="col">Category</th>
              <th scope="col" className="num">
                Remaining
              </th>
              <th scope="col">Expires</th>
              <th scope="col" className="num">
                Priority
              </th>
              <th scope="col">Description</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </>
          }
          row={(g) => (
            <tr key={g.id} data-grant-id={g.id}>
              <td className="nowrap">#{g.id}</td>
              <td>
                <span className={`badge badge-${g.category}`}>{g.category === 'paid' ? 'Paid' : 'Promotional'}</span>
              </td>
              <td className="num nowrap">
                {formatNumber(g.remaining)} <span className="muted small">of {formatNumber(g.amount)}</span>
              </td>
              <td className="nowrap">{g.expiresAt ? <Time iso={g.expiresAt} /> : <span className="muted">Never</span>}</td>
              <td className="num">{g.priority}</td>
              <td className="description">{g.description}</td>
              <td>
                <VoidButton transaction={{ id: g.id, type: 'admin_grant', amount: g.amount }} onVoid={(grantId) => setVoidTarget({ grantId, customerName: c.name })} />
              </td>
            </tr>
          )}
          empty="No live grants: the balance is zero."
          onPage={setGrantsPage}
        />
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
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </>
          }
          row={(t) => (
            <tr key={t.id} data-transaction-id={t.id}>
              <td>
                <Time iso={t.createdAt} />
              </td>
              <td>{TRANSACTION_TYPE_LABELS[t.type] ?? t.type}</td>
              <AmountCell amount={t.amount} />
              <BalanceChangeCell before={t.balanceBefore} after={t.balanceAfter} />
              <td className="description">{t.description}</td>
              <td>
                <VoidButton transaction={t} onVoid={(grantId) => setVoidTarget({ grantId, customerName: c.name })} />
              </td>
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
      <DeductCreditsModal customer={deductTarget} onClose={() => setDeductTarget(null)} onDone={reloadAll} />
      <LowBalanceThresholdModal
        customer={editingThreshold ? c : null}
        onClose={() => setEditingThreshold(false)}
        onSaved={(saved) => {
          setEditingThreshold(false);
          notify(saved.lowBalanceThreshold === 0 ? `No low-balance alert for ${saved.name}.` : `${saved.name}: alert below ${formatNumber(saved.lowBalanceThreshold)} credits.`);
          customer.reload();
        }}
      />
      <VoidGrantModal target={voidTarget} onClose={() => setVoidTarget(null)} onDone={reloadAll} />
    </div>
  );
}

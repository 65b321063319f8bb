'use client';

import { CustomerCombobox } from '@/app/_ui/CustomerCombobox';
import { Time } from '@/app/_ui/Time';
import { useState } from 'react';
import type { TransactionListItem } from '@/app/lib/credits';
import { TRANSACTION_TYPE_LABELS } from '@/app/_ui/format';
import { TRANSACTION_TYPES } from '@/app/shared/credits';
import { useListFilters } from '@/app/_ui/list-filters';
import { useApi, type Page } from '@/app/_ui/api-client';
import { useAccess } from '@/app/_ui/access';
import { PagedTable } from '@/app/_ui/PagedTable';
import { VoidGrantModal, type VoidTarget } from '@/app/admin/dialogs/VoidGrantModal';
import { AmountCell, BalanceChangeCell, VoidButton } from './TransactionCells';

interface Filters {
  customerId: string;
  type: string;
  username: string;
  from: string;
  to: string;
  adminOnly: boolean;
}

const NO_FILTERS: Filters = { customerId: '', type: '', username: '', from: '', to: '', adminOnly: false };

function toQuery(f: Filters): URLSearchParams {
  const q = new URLSearchParams();
  if (/^[0-9]+$/.test(f.customerId.trim())) q.set('customerId', f.customerId.trim());
  if (f.type) q.set('type', f.type);
  if (f.username.trim()) q.set('username', f.username.trim());
  // Date inputs are whole days (UTC); the API reads a date-only "to" as the whole of that day.
  if (f.from) q.set('from', f.from);
  if (f.to) q.set('to', f.to);
  if (f.adminOnly) q.set('source', 'manual_admin');
  return q;
}

/** The Transactions tab: the audit trail with filters, paging and CSV export of the filtered set. */
export function TransactionHistory({ initialCustomerId }: { initialCustomerId?: number }) {
  const everyCustomer = useAccess().scope('credits.read') === 'any';
  const { draft, setDraft, set, query, listQuery, setPage } = useListFilters<Filters>({ ...NO_FILTERS, customerId: initialCustomerId ? String(initialCustomerId) : '' }, toQuery);
  const transactions = useApi<Page<TransactionListItem>>(`/api/admin/credits/transactions?${listQuery}`);
  const [voidTarget, setVoidTarget] = useState<VoidTarget | null>(null);
  const mayVoid = useAccess().can('credits.void');

  return (
    <section aria-labelledby="transactions-heading" className="stack">
      <div className="toolbar">
        <h2 id="transactions-heading">Transactions</h2>
        <a className="btn btn-secondary" href={`/api/admin/credits/transactions/export?${query}`} download>
          Export CSV
        </a>
      </div>
      <fieldset className="filters">
        <legend>Filter transactions</legend>
        {everyCustomer && (
          <CustomerCombobox id="tx-customer" value={draft.customerId} onChange={(v) => set('customerId', v)} hint="Name or ID" />
        )}
        <div className="field">
          <label htmlFor="tx-type">Type</label>
          <select id="tx-type" value={draft.type} onChange={(e) => set('type', e.target.value)}>
            <option value="">All types</option>
            {TRANSACTION_TYPES.map((t) => (
              <option key={t} value={t}>
                {TRANSACTION_TYPE_LABELS[t]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="tx-user">Added by (username)</label>
          <input id="tx-user" value={draft.username} onChange={(e) => set('username', e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="tx-from">From</label>
          <input id="tx-from" type="date" value={draft.from} onChange={(e) => set('from', e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="tx-to">To</label>
          <input id="tx-to" type="date" value={draft.to} onChange={(e) => set('to', e.target.value)} />
        </div>
        <div className="field field-checkbox">
          <input
            id="tx-admin-only"
            type="checkbox"
            checked={draft.adminOnly}
            onChange={(e) => set('adminOnly', e.target.checked)}
          />
          <label htmlFor="tx-admin-only">Admin credit additions only</label>
        </div>
        <button type="button" className="btn btn-ghost btn-small" onClick={() => setDraft(NO_FILTERS)}>
          Clear filters
        </button>
      </fieldset>
      <PagedTable
        list={transactions}
        noun="transactions"
        caption="Transactions table"
        head={
          <>
            <th scope="col">Time</th>
            <th scope="col">Customer</th>
            <th scope="col">User</th>
            <th scope="col">Type</th>
            <th scope="col" className="num">
              Amount
            </th>
            <th scope="col" className="num">
              Balance
            </th>
            <th scope="col">Description</th>
            <th scope="col">Payment ID</th>
            {mayVoid && (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            )}
          </>
        }
        row={(t) => (
          <tr key={t.id} data-transaction-id={t.id}>
            <td>
              <Time iso={t.createdAt} />
              <div className="muted small">#{t.id}</div>
            </td>
            <td>{t.customerName}</td>
            <td>{t.username ?? <span className="muted">System</span>}</td>
            <td>{TRANSACTION_TYPE_LABELS[t.type] ?? t.type}</td>
            <AmountCell amount={t.amount} />
            <BalanceChangeCell before={t.balanceBefore} after={t.balanceAfter} />
            <td className="description">{t.description}</td>
            <td className="mono small">{t.paymentId ?? '—'}</td>
            {mayVoid && (
              <td>
                <VoidButton transaction={t} onVoid={(grantId) => setVoidTarget({ grantId, customerName: t.customerName })} />
              </td>
            )}
          </tr>
        )}
        empty="No transactions match these filters."
        onPage={setPage}
      />
      <VoidGrantModal target={voidTarget} onClose={() => setVoidTarget(null)} onDone={transactions.reload} />
    </section>
  );
}

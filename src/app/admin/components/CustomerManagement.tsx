'use client';

import { notify } from '@/app/_ui/Toasts';
import { Time } from '@/app/_ui/Time';
import Link from 'next/link';
import { useEffect, useState } from 'react';
import { formatNumber } from '@/app/_ui/format';
import type { CustomerDto } from '@/app/lib/customers';
import type { CustomerSort } from '@/app/lib/customers/schemas';
import { useApi, type Page } from '@/app/_ui/api-client';
import { AddCreditsModal, type CreditTarget } from '@/app/admin/dialogs/AddCreditsModal';
import { CustomerFormModal, type CustomerFields } from '@/app/admin/dialogs/CustomerFormModal';
import { PagedTable } from '@/app/_ui/PagedTable';
import { useAccess } from '@/app/_ui/access';
import { SortableHeader, type SortState } from '@/app/_ui/SortableHeader';

const PAGE_SIZE = 25;

/** The Customers tab: every customer with its credits, searchable, sortable, paged on the server. */
export function CustomerManagement() {
  const { can } = useAccess();
  const [searchInput, setSearchInput] = useState('');
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState<SortState<CustomerSort>>({ sort: 'name', order: 'asc' });
  const [page, setPage] = useState(1);
  const [creditTarget, setCreditTarget] = useState<CreditTarget | null>(null);
  const [editing, setEditing] = useState<CustomerFields | 'new' | null>(null);

  // Typing pauses briefly before searching, so each keystroke doesn't hit the server.
  useEffect(() => {
    const t = setTimeout(() => {
      setSearch(searchInput.trim());
      setPage(1);
    }, 250);
    return () => clearTimeout(t);
  }, [searchInput]);

  const params = new URLSearchParams({ page: String(page), pageSize: String(PAGE_SIZE), sort: sort.sort, order: sort.order });
  if (search) params.set('search', search);
  const customers = useApi<Page<CustomerDto>>(`/api/admin/customers?${params}`);
  const { setData, reload } = customers;

  function onSort(next: SortState<CustomerSort>) {
    setSort(next);
    setPage(1);
  }

  function onAdded(customerId: number, amount: number, balanceAfter: number) {
    // Update the row at once, then refresh the list so sorting and totals are exact.
    setData(
      (d) =>
        d && {
          ...d,
          items: d.items.map((c) =>
            c.id === customerId
              ? { ...c, creditBalance: balanceAfter, totalCreditsPurchased: c.totalCreditsPurchased + amount }
              : c,
          ),
        },
    );
    reload();
  }

  const sortProps = { state: sort, onSort };
  return (
    <section aria-labelledby="customers-heading" className="stack">
      <div className="toolbar">
        <h2 id="customers-heading">Customers</h2>
        <div className="toolbar-actions">
          <div className="field field-inline">
            <label htmlFor="customer-search">Search customers</label>
            <input
              id="customer-search"
              type="search"
              placeholder="Name or ID"
              value={searchInput}
              onChange={(e) => setSearchInput(e.target.value)}
            />
          </div>
          {can('customers.create') && (
            <button type="button" className="btn btn-primary" onClick={() => setEditing('new')}>
              Create customer
            </button>
          )}
        </div>
      </div>
      <PagedTable
        list={customers}
        noun="customers"
        caption="Customers table"
        head={
          <>
            <SortableHeader column="name" label="Customer" {...sortProps} />
            <SortableHeader column="status" label="Status" {...sortProps} />
            <SortableHeader column="user_count" label="Users" numeric {...sortProps} />
            <SortableHeader column="credit_balance" label="Credit balance" numeric {...sortProps} />
            <SortableHeader column="total_credits_purchased" label="Total purchased" numeric {...sortProps} />
            <SortableHeader column="total_credits_used" label="Total used" numeric {...sortProps} />
            <SortableHeader column="total_searches" label="Total searches" numeric {...sortProps} />
            <SortableHeader column="created_at" label="Created" {...sortProps} />
            <th scope="col">Actions</th>
          </>
        }
        row={(c) => (
          <tr key={c.id} data-customer-id={c.id}>
            <td className="card-title">
              <Link href={`/admin/customers/${c.id}`} className="strong-link" id={`customer-name-${c.id}`}>
                {c.name}
              </Link>
              <div className="muted small">ID {c.id}</div>
            </td>
            <td data-label="Status">
              <span className={`badge badge-${c.status}`}>{c.status === 'active' ? 'Active' : 'Inactive'}</span>
            </td>
            <td className="num" data-label="Users">
              {formatNumber(c.userCount)}
              <span className="muted small"> / {formatNumber(c.maxUsers)}</span>
            </td>
            <td className="num strong" data-column="credit-balance" data-label="Credit balance">
              {formatNumber(c.creditBalance)}
            </td>
            <td className="num" data-label="Total purchased">{formatNumber(c.totalCreditsPurchased)}</td>
            <td className="num" data-label="Total used">{formatNumber(c.totalCreditsUsed)}</td>
            <td className="num" data-label="Total searches">{formatNumber(c.totalSearches)}</td>
            <td data-label="Created">
              <Time iso={c.createdAt} mode="date" />
            </td>
            <td className="card-actions">
              <div className="row-actions">
                {can('credits.add') && (
                  <button
                    type="button"
                    className="btn btn-success btn-small"
                    aria-label="Add Credits"
                    aria-describedby={`customer-name-${c.id}`}
                    onClick={() => setCreditTarget({ id: c.id, name: c.name, creditBalance: c.creditBalance, contactEmail: c.contactEmail })}
                  >
                    <svg aria-hidden="true" width="14" height="14" viewBox="0 0 14 14" className="icon">
                      <path d="M7 1v12M1 7h12" stroke="currentColor" strokeWidth="2.2" strokeLinecap="round" />
                    </svg>
                    Add Credits
                  </button>
                )}
                {can('customers.update') && (
                  <button
                    type="button"
                    className="btn btn-secondary btn-small"
                    aria-label={`Edit ${c.name}`}
                    onClick={() => setEditing(c)}
                  >
                    Edit
                  </button>
                )}
              </div>
            </td>
          </tr>
        )}
        empty={search ? `No customers match “${search}”.` : 'No customers yet.'}
        onPage={setPage}
        cards
      />
      <AddCreditsModal customer={creditTarget} onClose={() => setCreditTarget(null)} onAdded={onAdded} />
      <CustomerFormModal
        customer={editing}
        onClose={() => setEditing(null)}
        onSaved={(saved) => {
          notify(editing === 'new' ? `Created customer ${saved.name}.` : `Saved ${saved.name}.`);
          setEditing(null);
          // The saved row at once, so an Edit opened before the refresh answers starts from what was saved.
          setData((d) => d && { ...d, items: d.items.map((c) => (c.id === saved.id ? saved : c)) });
          reload();
        }}
      />
    </section>
  );
}

'use client';

import { useEffect, useState } from 'react';
import type { Purchase } from '@/app/lib/billing';
import { useApi, type Page } from '@/app/_ui/api-client';
import { Can } from '@/app/_ui/access';
import { PURCHASE_STATUSES } from '@/app/shared/billing';
import { PurchasesTable } from '@/app/billing/PurchasesTable';
import { CreditPacks } from './CreditPacks';

/** The Purchases tab: every customer's purchases (SUPER_ADMIN), filterable by customer and status; credit packs below. */
export function PurchaseHistory() {
  const [customerId, setCustomerId] = useState('');
  const [applied, setApplied] = useState('');
  const [status, setStatus] = useState('');
  const [page, setPage] = useState(1);
  useEffect(() => {
    const t = setTimeout(() => {
      setApplied(customerId.trim());
      setPage(1);
    }, 250);
    return () => clearTimeout(t);
  }, [customerId]);
  const q = new URLSearchParams({ page: String(page), pageSize: '25' });
  if (/^[1-9][0-9]*$/.test(applied)) q.set('customerId', applied);
  if (status) q.set('status', status);
  const purchases = useApi<Page<Purchase>>(`/api/billing/purchases?${q}`);

  return (
    <section aria-labelledby="purchases-heading" className="stack">
      <h2 id="purchases-heading">Purchases</h2>
      <fieldset className="filters">
        <legend>Filter purchases</legend>
        <div className="form-row">
          <div className="field">
            <label htmlFor="purchase-customer">Customer ID</label>
            <input id="purchase-customer" inputMode="numeric" value={customerId} onChange={(e) => setCustomerId(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="purchase-status">Status</label>
            <select
              id="purchase-status"
              value={status}
              onChange={(e) => {
                setStatus(e.target.value);
                setPage(1);
              }}
            >
              <option value="">Any</option>
              {PURCHASE_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </div>
        </div>
      </fieldset>
      <PurchasesTable list={purchases} onPage={setPage} caption="Purchases of every customer" empty="No purchases match." withCustomer />
      <Can permission="billing.packs.manage">
        <CreditPacks />
      </Can>
    </section>
  );
}

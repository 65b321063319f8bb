'use client';

import Link from 'next/link';
import type { Purchase } from '@/app/lib/billing';
import type { ApiError, Page } from '@/app/_ui/api-client';
import { PagedTable } from '@/app/_ui/PagedTable';
import { Time } from '@/app/_ui/Time';
import { PurchaseStatusBadge, RefundCell } from './purchase-cells';

/**
 * Purchases with their status, refunds and receipt: one customer's on the billing page, every
 * customer's (`withCustomer`) on the dashboard's Purchases tab.
 */
export function PurchasesTable({
  list,
  onPage,
  caption,
  empty,
  withCustomer = false,
}: {
  list: { data: Page<Purchase> | null; error: ApiError | null; loading: boolean; reload: () => void };
  onPage: (page: number) => void;
  caption: string;
  empty: string;
  withCustomer?: boolean;
}) {
  return (
    <PagedTable
      list={list}
      noun="purchases"
      caption={caption}
      onPage={onPage}
      empty={empty}
      head={
        <>
          <th scope="col">Date</th>
          {withCustomer && <th scope="col">Customer</th>}
          <th scope="col">Pack</th>
          <th scope="col" className="num">Credits</th>
          <th scope="col" className="num">Amount</th>
          <th scope="col">Status</th>
          <th scope="col">Refunds</th>
          <th scope="col">Receipt</th>
        </>
      }
      row={(p) => (
        <tr key={p.id}>
          <td className="nowrap">
            <Time iso={p.createdAt} />
          </td>
          {withCustomer && (
            <td>
              <Link href={`/admin/customers/${p.customerId}`}>{p.customerName}</Link> <span className="muted small">#{p.customerId}</span>
            </td>
          )}
          <td>
            {p.packName}
            {p.kind === 'auto_top_up' && <span className="muted small"> (auto top-up)</span>}
          </td>
          <td className="num">{p.credits.toLocaleString('en-US')}</td>
          <td className="num">{p.amountFormatted}</td>
          <td>
            <PurchaseStatusBadge purchase={p} />
          </td>
          <td>
            <RefundCell purchase={p} />
          </td>
          <td>{p.receiptNumber ? <Link href={`/billing/receipts/${p.id}`}>{p.receiptNumber}</Link> : <span className="muted">—</span>}</td>
        </tr>
      )}
    />
  );
}

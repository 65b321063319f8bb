'use client';

import { useRef, useState } from 'react';
import { useAccess } from '@/app/_ui/access';
import { useApi, type Page } from '@/app/_ui/api-client';
import { Approvals } from './Approvals';
import type { Permission, Scope } from '@/app/lib/auth/permissions';
import { ApiKeys } from './ApiKeys';
import { AuditLog } from './AuditLog';
import { BulkGrants } from './BulkGrants';
import { CustomerManagement } from './CustomerManagement';
import { PurchaseHistory } from './PurchaseHistory';
import { TransactionHistory } from './TransactionHistory';
import { UserManagement } from './UserManagement';
import { WebhookManagement } from './WebhookManagement';

const ALL_TABS = [
  { id: 'customers', label: 'Customers' },
  { id: 'users', label: 'Users' },
  { id: 'transactions', label: 'Transactions' },
  { id: 'audit', label: 'Audit log', permission: 'audit.read' },
  { id: 'bulk', label: 'Bulk grants', permission: 'credits.bulk' },
  { id: 'approvals', label: 'Approvals', permission: 'credits.approve' },
  { id: 'api-keys', label: 'API keys', permission: 'api_keys.manage' },
  { id: 'webhooks', label: 'Webhooks', permission: 'webhooks.manage' },
  // Every customer's purchases: for those who may read billing beyond their own (the billing page shows one's own).
  { id: 'purchases', label: 'Purchases', permission: 'billing.read', scope: 'any' },
] as const satisfies ReadonlyArray<{ id: string; label: string; permission?: Permission; scope?: Scope }>;
export type TabId = (typeof ALL_TABS)[number]['id'];

export interface DashboardUser {
  id: number;
  username: string;
  customerId: number | null;
}

/** Tabs per the WAI-ARIA pattern: arrow keys move between tabs, the URL remembers the open one. */
export function AdminDashboard({ me, initialTab }: { me: DashboardUser; initialTab: TabId }) {
  const access = useAccess();
  const tabs = ALL_TABS.filter((t) => {
    if (!('permission' in t)) return true;
    const held = access.scope(t.permission);
    return held !== undefined && (!('scope' in t) || held === t.scope);
  });
  const [tab, setTab] = useState<TabId>(tabs.some((t) => t.id === initialTab) ? initialTab : 'customers');
  const tabRefs = useRef<Record<string, HTMLButtonElement | null>>({});
  const pending = useApi<Page<unknown>>(access.can('credits.approve') ? '/api/admin/credits/approvals?status=pending&pageSize=1' : null);
  const pendingCount = pending.data?.total ?? 0;

  function select(id: TabId, focus = false) {
    setTab(id);
    const url = new URL(window.location.href);
    url.searchParams.set('tab', id);
    window.history.replaceState(null, '', url);
    if (focus) tabRefs.current[id]?.focus();
  }

  function onKeyDown(event: React.KeyboardEvent) {
    const index = tabs.findIndex((t) => t.id === tab);
    const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    select(tabs[(next + tabs.length) % tabs.length]!.id, true);
  }

  return (
    <>
      <div role="tablist" aria-label="Admin sections" className="tabs" onKeyDown={onKeyDown}>
        {tabs.map((t) => (
          <button
            key={t.id}
            ref={(el) => {
              tabRefs.current[t.id] = el;
            }}
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls={`panel-${t.id}`}
            tabIndex={tab === t.id ? 0 : -1}
            className="tab"
            onClick={() => select(t.id)}
          >
            {t.label}
            {t.id === 'approvals' && pendingCount > 0 && (
              <span className="badge badge-pending" aria-label={`${pendingCount} pending`}>
                {pendingCount}
              </span>
            )}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} className="tabpanel">
        {tab === 'customers' && <CustomerManagement />}
        {tab === 'users' && <UserManagement me={me} />}
        {tab === 'transactions' && <TransactionHistory />}
        {tab === 'bulk' && <BulkGrants />}
        {tab === 'approvals' && <Approvals me={me} onChange={pending.reload} />}
        {tab === 'audit' && <AuditLog />}
        {tab === 'purchases' && <PurchaseHistory />}
        {tab === 'api-keys' && <ApiKeys />}
        {tab === 'webhooks' && <WebhookManagement />}
      </div>
    </>
  );
}

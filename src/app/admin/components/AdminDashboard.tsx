'use client';

import { useRef, useState } from 'react';
import { useAccess } from '@/app/_ui/access';
import { useApi, type Page } from '@/app/_ui/api-client';
import { Approvals } from './Approvals';
import { AuditLog } from './AuditLog';
import { BulkGrants } from './BulkGrants';
import { CustomerManagement } from './CustomerManagement';
import { TransactionHistory } from './TransactionHistory';
import { UserManagement } from './UserManagement';

const TABS = [
  { id: 'customers', label: 'Customers' },
  { id: 'users', label: 'Users' },
  { id: 'transactions', label: 'Transactions' },
  { id: 'bulk', label: 'Bulk grants', permission: 'credits.bulk' },
  { id: 'approvals', label: 'Approvals', permission: 'credits.approve' },
  { id: 'audit', label: 'Audit log', permission: 'audit.read' },
] as const;
export type TabId = (typeof TABS)[number]['id'];

export interface DashboardUser {
  id: number;
  username: string;
  customerId: number | null;
}

/** Tabs per the WAI-ARIA pattern: arrow keys move between tabs, the URL remembers the open one. */
export function AdminDashboard({ me, initialTab }: { me: DashboardUser; initialTab: TabId }) {
  const { can } = useAccess();
  const tabs = TABS.filter((t) => !('permission' in t) || can(t.permission));
  const [tab, setTab] = useState<TabId>(tabs.some((t) => t.id === initialTab) ? initialTab : 'customers');
  const tabRefs = useRef<Record<string, HTMLButtonElement | null>>({});
  const pending = useApi<Page<unknown>>(can('credits.approve') ? '/api/admin/credits/approvals?status=pending&pageSize=1' : null);
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
      </div>
    </>
  );
}

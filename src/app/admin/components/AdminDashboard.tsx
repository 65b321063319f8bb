'use client';

import { useRef, useState } from 'react';
import { useAccess } from '@/app/_ui/access';
import { ApiKeys } from './ApiKeys';
import { AuditLog } from './AuditLog';
import { CustomerManagement } from './CustomerManagement';
import { TransactionHistory } from './TransactionHistory';
import { UserManagement } from './UserManagement';

const TABS = [
  { id: 'customers', label: 'Customers' },
  { id: 'users', label: 'Users' },
  { id: 'transactions', label: 'Transactions' },
  { id: 'audit', label: 'Audit log', permission: 'audit.read' },
  { id: 'api-keys', label: 'API keys', permission: 'api_keys.manage' },
] as const;
export type TabId = (typeof TABS)[number]['id'];

export interface DashboardUser {
  id: number;
  customerId: number | null;
}

/** Tabs per the WAI-ARIA pattern: arrow keys move between tabs, the URL remembers the open one. */
export function AdminDashboard({ me, initialTab }: { me: DashboardUser; initialTab: TabId }) {
  const { can } = useAccess();
  const tabs = TABS.filter((t) => !('permission' in t) || can(t.permission));
  const [tab, setTab] = useState<TabId>(tabs.some((t) => t.id === initialTab) ? initialTab : 'customers');
  const tabRefs = useRef<Record<string, HTMLButtonElement | null>>({});

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
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} className="tabpanel">
        {tab === 'customers' && <CustomerManagement />}
        {tab === 'users' && <UserManagement me={me} />}
        {tab === 'transactions' && <TransactionHistory />}
        {tab === 'audit' && <AuditLog />}
        {tab === 'api-keys' && <ApiKeys />}
      </div>
    </>
  );
}

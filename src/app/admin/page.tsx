import type { Metadata } from 'next';
import { Shell } from '@/app/_ui/Shell';
import { NoAccess } from '@/app/_ui/NoAccess';
import { can } from '@/app/lib/auth/permissions';
import { pageCaller } from '@/app/lib/http/page-caller';
import { AdminDashboard, type TabId } from './components/AdminDashboard';

// Tabs the caller may not see fall back to Customers in the dashboard itself.
const TAB_IDS: TabId[] = ['customers', 'users', 'transactions', 'audit', 'bulk', 'approvals', 'api-keys', 'webhooks', 'purchases'];

export const metadata: Metadata = { title: 'Admin dashboard' };
export const dynamic = 'force-dynamic';

export default async function AdminPage({ searchParams }: { searchParams: Promise<{ tab?: string }> }) {
  const caller = await pageCaller('/admin');
  if (!can(caller.role, 'customers.read')) return <NoAccess caller={caller} />;
  const { tab } = await searchParams;
  return (
    <Shell caller={caller}>
      <h1>Admin dashboard</h1>
      <AdminDashboard
        me={{ id: caller.id, username: caller.username, customerId: caller.customerId }}
        initialTab={TAB_IDS.includes(tab as TabId) ? (tab as TabId) : 'customers'}
      />
    </Shell>
  );
}

import type { Metadata } from 'next';
import { can } from '@/app/lib/auth/permissions';
import { pageUser } from '@/app/lib/auth/page-user';
import { AdminDashboard, type TabId } from './components/AdminDashboard';
import { AdminHeader } from './components/AdminHeader';
import { NoAccess } from './components/NoAccess';

export const metadata: Metadata = { title: 'Admin dashboard' };
export const dynamic = 'force-dynamic';

const TAB_IDS: TabId[] = ['customers', 'users', 'transactions'];

export default async function AdminPage({ searchParams }: { searchParams: Promise<{ tab?: string }> }) {
  const user = await pageUser('/admin');
  if (!can(user.role, 'customers.read')) return <NoAccess user={user} />;
  const { tab } = await searchParams;
  return (
    <>
      <AdminHeader user={user} />
      <main className="page" id="main">
        <h1>Admin dashboard</h1>
        <AdminDashboard
          me={{ id: user.id, username: user.username, role: user.role, customerId: user.customerId }}
          abilities={{
            addCredits: can(user.role, 'credits.add'),
            createCustomer: can(user.role, 'customers.create'),
            editCustomer: can(user.role, 'customers.update'),
          }}
          initialTab={TAB_IDS.includes(tab as TabId) ? (tab as TabId) : 'customers'}
        />
      </main>
    </>
  );
}

import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { can, scopeOf } from '@/app/lib/auth/permissions';
import { pageUser } from '@/app/lib/auth/page-user';
import { AdminHeader } from '../../components/AdminHeader';
import { CustomerDetail } from '../../components/CustomerDetail';
import { NoAccess } from '../../components/NoAccess';

export const metadata: Metadata = { title: 'Customer' };
export const dynamic = 'force-dynamic';

export default async function CustomerPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await pageUser(`/admin/customers/${id}`);
  if (!can(user.role, 'customers.read')) return <NoAccess user={user} />;
  const customerId = Number(id);
  if (!/^[1-9][0-9]{0,9}$/.test(id)) notFound();
  if (scopeOf(user.role, 'customers.read') === 'own' && customerId !== user.customerId) notFound();
  return (
    <>
      <AdminHeader user={user} />
      <main className="page" id="main">
        <CustomerDetail customerId={customerId} canAddCredits={can(user.role, 'credits.add')} />
      </main>
    </>
  );
}

import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { Shell } from '@/app/_ui/Shell';
import { NoAccess } from '@/app/_ui/NoAccess';
import { can, scopeOf } from '@/app/lib/auth/permissions';
import { pageCaller } from '@/app/lib/http/page-caller';
import { CustomerDetail } from '../../components/CustomerDetail';

export const metadata: Metadata = { title: 'Customer' };
export const dynamic = 'force-dynamic';

export default async function CustomerPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const caller = await pageCaller(`/admin/customers/${id}`);
  if (!can(caller.role, 'customers.read')) return <NoAccess caller={caller} />;
  const customerId = Number(id);
  if (!/^[1-9][0-9]{0,9}$/.test(id)) notFound();
  if (scopeOf(caller.role, 'customers.read') === 'own' && customerId !== caller.customerId) notFound();
  return (
    <Shell caller={caller}>
      <CustomerDetail customerId={customerId} />
    </Shell>
  );
}

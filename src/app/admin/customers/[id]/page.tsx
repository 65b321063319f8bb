import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { Shell } from '@/app/_ui/Shell';
import { NoAccess } from '@/app/_ui/NoAccess';
import { app } from '@/app/lib/app';
import { can, scopeOf } from '@/app/lib/auth/permissions';
import { getCustomer } from '@/app/lib/customers';
import { AppError } from '@/app/lib/errors';
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
  // Another tenant's customer is as absent as a missing one: the page tells nothing about it.
  if (scopeOf(caller.role, 'customers.read') === 'own' && customerId !== caller.customerId) notFound();
  // A missing customer is a 404 page with the way back, not an error to retry.
  await getCustomer((await app()).db, customerId).catch((err: unknown) => {
    if (err instanceof AppError && err.status === 404) notFound();
    throw err;
  });
  return (
    <Shell caller={caller}>
      <CustomerDetail customerId={customerId} />
    </Shell>
  );
}

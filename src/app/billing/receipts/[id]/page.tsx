import type { Metadata } from 'next';
import { Shell } from '@/app/_ui/Shell';
import { NoAccess } from '@/app/_ui/NoAccess';
import { can } from '@/app/lib/auth/permissions';
import { pageCaller } from '@/app/lib/http/page-caller';
import { ReceiptClient } from './ReceiptClient';

export const metadata: Metadata = { title: 'Receipt' };
export const dynamic = 'force-dynamic';

export default async function ReceiptPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const caller = await pageCaller(`/billing/receipts/${encodeURIComponent(id)}`);
  if (!can(caller.role, 'billing.read')) return <NoAccess caller={caller} />;
  return (
    <Shell caller={caller}>
      <ReceiptClient id={/^[1-9][0-9]{0,9}$/.test(id) ? Number(id) : null} />
    </Shell>
  );
}

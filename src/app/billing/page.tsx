import type { Metadata } from 'next';
import Link from 'next/link';
import { Shell } from '@/app/_ui/Shell';
import { can } from '@/app/lib/auth/permissions';
import { pageCaller } from '@/app/lib/http/page-caller';
import { BillingClient } from './BillingClient';

export const metadata: Metadata = { title: 'Billing' };
export const dynamic = 'force-dynamic';

export default async function BillingPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const caller = await pageCaller('/billing');
  const back = Object.fromEntries(Object.entries(await searchParams).filter((e): e is [string, string] => typeof e[1] === 'string'));
  return (
    <Shell caller={caller}>
      <h1>Billing</h1>
      {can(caller.role, 'billing.buy') ? (
        <BillingClient customerName={caller.customerName ?? ''} returnedWith={back} />
      ) : (
        <section className="card stack narrow">
          {can(caller.role, 'billing.read') ? (
            <p>
              Credits are bought by each customer&apos;s admins. Every customer&apos;s purchases are in the{' '}
              <Link href="/admin?tab=purchases">admin dashboard</Link>.
            </p>
          ) : (
            <p>Credits are bought by your organization&apos;s customer admins. Ask one of them if you run out.</p>
          )}
        </section>
      )}
    </Shell>
  );
}

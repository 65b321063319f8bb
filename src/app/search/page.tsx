import type { Metadata } from 'next';
import { Shell } from '@/app/_ui/Shell';
import { can } from '@/app/lib/auth/permissions';
import { pageCaller } from '@/app/lib/http/page-caller';
import { SearchClient } from './SearchClient';

export const metadata: Metadata = { title: 'Roblox look-ups' };
export const dynamic = 'force-dynamic';

export default async function SearchPage() {
  const caller = await pageCaller('/search');
  return (
    <Shell caller={caller}>
      <h1>Roblox look-ups</h1>
      {can(caller.role, 'searches.run') ? (
        <SearchClient />
      ) : (
        <section className="card stack narrow">
          <p>
            Look-ups are run by the users of a customer account. As a platform admin, see the customers&apos; activity in
            the <a href="/admin">admin dashboard</a>.
          </p>
        </section>
      )}
    </Shell>
  );
}

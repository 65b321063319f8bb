import type { Metadata } from 'next';
import { can } from '@/app/lib/auth/permissions';
import { pageUser } from '@/app/lib/auth/page-user';
import { AdminHeader } from '../admin/components/AdminHeader';
import { SearchClient } from './SearchClient';

export const metadata: Metadata = { title: 'Roblox look-ups' };
export const dynamic = 'force-dynamic';

export default async function SearchPage() {
  const user = await pageUser('/search');
  return (
    <>
      <AdminHeader user={user} />
      <main className="page" id="main">
        <h1>Roblox look-ups</h1>
        {can(user.role, 'searches.run') ? (
          <SearchClient />
        ) : (
          <section className="card stack narrow">
            <p>
              Look-ups are run by the users of a customer account. As a platform admin, see the customers&apos; activity
              in the <a href="/admin">admin dashboard</a>.
            </p>
          </section>
        )}
      </main>
    </>
  );
}

import Link from 'next/link';
import type { SessionUser } from '@/app/lib/users';
import { AdminHeader } from './AdminHeader';

export function NoAccess({ user }: { user: SessionUser }) {
  return (
    <>
      <AdminHeader user={user} />
      <main className="page" id="main">
        <section className="card stack narrow" aria-labelledby="no-access-title">
          <h1 id="no-access-title">No access to the admin dashboard</h1>
          <p>
            You are signed in as <strong>{user.username}</strong>, a regular user. The admin dashboard is for super
            admins and customer admins.
          </p>
          <p>
            To run look-ups, go to <Link href="/search">Search</Link>. If you need admin access, ask your customer
            administrator.
          </p>
        </section>
      </main>
    </>
  );
}

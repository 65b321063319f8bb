import Link from 'next/link';
import type { Caller } from '@/app/lib/auth/caller';
import { Shell } from './Shell';

export function NoAccess({ caller }: { caller: Caller }) {
  return (
    <Shell caller={caller}>
      <section className="card stack narrow" aria-labelledby="no-access-title">
        <h1 id="no-access-title">No access to the admin dashboard</h1>
        <p>
          You are signed in as <strong>{caller.username}</strong>, a regular user. The admin dashboard is for super
          admins and customer admins.
        </p>
        <p>
          To run look-ups, go to <Link href="/search">Search</Link>. If you need admin access, ask your customer
          administrator.
        </p>
      </section>
    </Shell>
  );
}

import type { Metadata } from 'next';
import { Shell } from '@/app/_ui/Shell';
import { twoFactorStatus } from '@/app/lib/auth/two-factor';
import { app } from '@/app/lib/app';
import { ENROLMENT_PAGE, pageCaller } from '@/app/lib/http/page-caller';
import { SessionList } from '../components/SessionList';
import { TwoFactorSection } from '../components/TwoFactorSection';

export const metadata: Metadata = { title: 'Account security' };
export const dynamic = 'force-dynamic';

export default async function SecurityPage() {
  const caller = await pageCaller(ENROLMENT_PAGE);
  const { db } = await app();
  const status = await twoFactorStatus(db, caller);
  const mustEnrol = status.required && !status.enabled;
  return (
    <Shell caller={caller} enrolling={mustEnrol}>
      <h1>Account security</h1>
      <div className="stack narrow security-page">
        {mustEnrol && (
          <div role="alert" className="alert alert-warning">
            <p className="alert-title">Two-factor sign-in is required for your role</p>
            <p>Set it up below to continue: until then, the rest of the app is closed to this account.</p>
          </div>
        )}
        <TwoFactorSection initial={status} username={caller.username} />
        {!mustEnrol && <SessionList />}
      </div>
    </Shell>
  );
}

import type { ReactNode } from 'react';
import { accessOf } from '@/app/lib/auth/access';
import type { Caller } from '@/app/lib/auth/caller';
import { AccessProvider } from './access';
import { Header } from './Header';
import { Toasts } from './Toasts';

/**
 * A signed-in page: the caller's access for every control below, the header, and the main landmark.
 * `enrolling`: the caller must set up two-factor sign-in first, so the header offers nothing else.
 */
export function Shell({ caller, enrolling = false, children }: { caller: Caller; enrolling?: boolean; children: ReactNode }) {
  return (
    <AccessProvider access={accessOf(caller)}>
      <Header user={{ username: caller.username, role: caller.role, customerName: caller.customerName }} enrolling={enrolling} />
      <main className="page" id="main">
        {children}
      </main>
      <Toasts />
    </AccessProvider>
  );
}

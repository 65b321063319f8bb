import type { ReactNode } from 'react';
import { accessOf } from '@/app/lib/auth/access';
import type { Caller } from '@/app/lib/auth/caller';
import { AccessProvider } from './access';
import { Header } from './Header';

/** A signed-in page: the caller's access for every control below, the header, and the main landmark. */
export function Shell({ caller, children }: { caller: Caller; children: ReactNode }) {
  return (
    <AccessProvider access={accessOf(caller)}>
      <Header user={{ username: caller.username, role: caller.role, customerName: caller.customerName }} />
      <main className="page" id="main">
        {children}
      </main>
    </AccessProvider>
  );
}

import type { Metadata } from 'next';
import { NotFoundPanel } from '@/app/_ui/NotFoundPanel';
import { Shell } from '@/app/_ui/Shell';
import { can } from '@/app/lib/auth/permissions';
import { pageCallerOrNull } from '@/app/lib/http/page-caller';

export const metadata: Metadata = { title: 'Page not found' };

/**
 * Every 404 (an unknown address, a missing customer, another tenant's customer): the header stays
 * for a signed-in caller, and the way back leads to the page their role starts on.
 */
export default async function NotFound() {
  const caller = await pageCallerOrNull();
  const home = caller && can(caller.role, 'customers.read') ? { href: '/admin', label: 'Back to the dashboard' } : caller ? { href: '/search', label: 'Back to look-ups' } : { href: '/login', label: 'Sign in' };
  const panel = (
    <NotFoundPanel title="Page not found" back={home}>
      There is nothing here, or it is not yours to see. Check the address, or go back and choose it from the list.
    </NotFoundPanel>
  );
  if (!caller) return <main className="page" id="main">{panel}</main>;
  return <Shell caller={caller}>{panel}</Shell>;
}

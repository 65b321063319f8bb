import type { Role } from '@/app/lib/auth/roles';

// Numbers and dates formatted for people, the same on the server and in the browser.
const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const dateFmt = new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });
const dateTimeFmt = new Intl.DateTimeFormat('en-US', {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
  timeZoneName: 'short',
});

export const formatNumber = (n: number) => integer.format(n);

export const formatCredits = (n: number) => `${integer.format(n)} credit${Math.abs(n) === 1 ? '' : 's'}`;

/** Signed amounts for the ledger: +100, −20. */
export const formatSigned = (n: number) => (n > 0 ? `+${integer.format(n)}` : `−${integer.format(-n)}`);

/** A calendar day (a UTC day key such as a chart's "2026-11-30"), the same everywhere. */
export const formatDate = (iso: string) => dateFmt.format(new Date(iso));

/** An instant in UTC: the server's rendering, and the title of every shown time. */
export const formatDateTime = (iso: string) => dateTimeFmt.format(new Date(iso));

const localDateTime = new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
const localDate = new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'short', day: 'numeric' });

/** An instant in the viewer's own time zone (the browser's), as a date with time or a date alone. */
export const formatLocal = (iso: string, mode: 'datetime' | 'date' = 'datetime') =>
  (mode === 'date' ? localDate : localDateTime).format(new Date(iso));

export const TRANSACTION_TYPE_LABELS: Record<string, string> = {
  purchase: 'Purchase',
  admin_grant: 'Admin grant',
  usage: 'Usage',
  refund: 'Refund',
  adjustment: 'Adjustment',
  expiry: 'Expiry',
  void: 'Void',
  deduction: 'Deduction',
};

export const ROLE_LABELS: Record<Role, string> = { SUPER_ADMIN: 'Super admin', CUSTOMER_ADMIN: 'Customer admin', USER: 'User' };

/** A user agent in a few words (browser and system): enough to recognise one's own devices. */
export function describeUserAgent(ua: string | null): string {
  if (!ua) return 'Unknown device';
  const browser = /Edg\//.test(ua) ? 'Edge' : /Chrome\//.test(ua) ? 'Chrome' : /Firefox\//.test(ua) ? 'Firefox' : /Safari\//.test(ua) ? 'Safari' : /curl\//.test(ua) ? 'curl' : null;
  const os = /Windows/.test(ua) ? 'Windows' : /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Mac OS X/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : null;
  return [browser, os].filter(Boolean).join(' on ') || ua.slice(0, 40);
}

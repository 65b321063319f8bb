import 'server-only';
import { config } from '../config';

/** Where browsers reach this app (for Stripe's return URLs): NEXTAUTH_URL when set, else the request's own origin. */
export function publicUrl(req: Request): string {
  return (config.nextAuthUrl ?? new URL(req.url).origin).replace(/\/$/, '');
}

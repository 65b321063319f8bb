import { setupTwoFactor } from '@/app/lib/auth/two-factor';
import { endpoint, route } from '@/app/lib/http/door';

/** POST /api/me/2fa/setup → { secret, otpauthUrl }: a new TOTP secret, pending until enabled. */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  POST: route({ permission: 'account.two_factor' }, ({ db, caller, secrets }) => setupTwoFactor(db, caller, secrets)),
});

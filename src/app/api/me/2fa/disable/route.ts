import { twoFactorCodeSchema } from '@/app/lib/auth/schemas';
import { disableTwoFactor } from '@/app/lib/auth/two-factor';
import { endpoint, route } from '@/app/lib/http/door';

/** POST /api/me/2fa/disable { code }: turns two-factor sign-in off (a current code or a recovery code). */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  POST: route({ permission: 'account.two_factor', body: twoFactorCodeSchema }, ({ db, caller, secrets, body }) =>
    disableTwoFactor(db, caller, secrets, body.code),
  ),
});

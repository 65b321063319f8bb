import { twoFactorCodeSchema } from '@/app/lib/auth/schemas';
import { enableTwoFactor } from '@/app/lib/auth/two-factor';
import { endpoint, route } from '@/app/lib/http/door';

/** POST /api/me/2fa/enable { code } → { recoveryCodes }: the code proves the authenticator; 10 single-use codes, shown once. */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  POST: route({ permission: 'account.two_factor', body: twoFactorCodeSchema }, ({ db, caller, secrets, body }) =>
    enableTwoFactor(db, caller, secrets, body.code),
  ),
});

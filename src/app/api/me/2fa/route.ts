import { twoFactorStatus } from '@/app/lib/auth/two-factor';
import { endpoint, route } from '@/app/lib/http/door';

/** GET /api/me/2fa: whether the caller signs in with a second factor, and whether their role must. */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  GET: route({ permission: 'account.two_factor' }, ({ db, caller }) => twoFactorStatus(db, caller)),
});

import { revokeOtherSessions } from '@/app/lib/auth/session';
import { endpoint, route } from '@/app/lib/http/door';

/** POST /api/me/sessions/revoke-all: ends every session of the caller's but this one. */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  POST: route({ permission: 'account.sessions' }, ({ db, caller }) => revokeOtherSessions(db, caller)),
});

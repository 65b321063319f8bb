import { revokeSession } from '@/app/lib/auth/session';
import { endpoint, route } from '@/app/lib/http/door';
import { idParams } from '@/app/lib/validation';

/** DELETE /api/me/sessions/:id: ends one of the caller's sessions (the current one too: signing out there). */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  DELETE: route({ permission: 'account.sessions', params: idParams }, ({ db, caller, params }) => revokeSession(db, caller, params.id)),
});

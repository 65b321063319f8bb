import { sessionListSchema } from '@/app/lib/auth/schemas';
import { listSessions } from '@/app/lib/auth/session';
import { endpoint, route } from '@/app/lib/http/door';

/** GET /api/me/sessions: the caller's live sessions (created, last seen, address, user agent, current). */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  GET: route({ permission: 'account.sessions', query: sessionListSchema }, ({ db, caller, query }) => listSessions(db, caller, query)),
});

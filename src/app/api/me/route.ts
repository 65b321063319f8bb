import { endpoint, route } from '@/app/lib/http/door';
import { accountSummary } from '@/app/lib/users/account';

/** GET /api/me: who is signed in, their customer's balance, the look-up cost and whom to ask for credits. */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  GET: route({ permission: 'account.read' }, ({ db, caller }) => accountSummary(db, caller)),
});

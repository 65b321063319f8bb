import { endpoint, route } from '@/app/lib/http/door';
import { accountSummary } from '@/app/lib/users/account';
import { accountResponse } from '@/app/lib/users/schemas';

/** GET /api/me: who is signed in, their customer's balance, the look-up cost and whom to ask for credits. */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  GET: route(
    {
      permission: 'account.read',
      summary: "Who is signed in, their customer's balance, the look-up price, whom to ask for credits",
      response: accountResponse,
    },
    ({ db, caller }) => accountSummary(db, caller),
  ),
});

import { withAuth } from '@/app/lib/auth/with-auth';
import { json } from '@/app/lib/http';
import { accountSummary } from '@/app/lib/account';

/** GET /api/me: who is signed in, their customer's balance, the look-up cost and whom to ask for credits. */
export const GET = withAuth('account.read', async (ctx) => json(await accountSummary(ctx.db, ctx.user)));

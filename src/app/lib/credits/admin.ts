import 'server-only';
import { actorName, type Actor } from '../auth/caller';
import type { Queryable } from '../db';
import { addCredits, type CreditTransaction } from './ledger';
import type { AddCreditsInput } from './schemas';

/**
 * The guide's manual admin credit addition: an `admin_grant` row whose payment id and description
 * carry the admin (`MANUAL_ADMIN_{userId}_{timestamp}`, "(Added by: …)"), which the guide's audit
 * queries select on. Made with an API key, the user is the key's creator (the guide's queries join
 * users on user_id) and the description names the key too: "(Added by: alice via API key rtk_…)".
 * It is a grant: `promotional` unless the input says `paid`, priority 100 and no
 * expiry unless given. The audit log's `credits.added` event is written by the same statement, so
 * it needs no transaction of its own; inside one the caller holds (an approval, a bulk row) it
 * commits with it. The row is always the requester's; `approvedBy`, when someone else let it
 * through, is the audit event's actor.
 */
export async function bookAdminGrant(tx: Queryable, admin: Actor, input: AddCreditsInput, approvedBy?: Actor): Promise<CreditTransaction> {
  return addCredits(tx, {
    customerId: input.customerId,
    userId: admin.id,
    type: 'admin_grant',
    amount: input.amount,
    description: `[ADMIN] ${input.description} (Added by: ${actorName(admin)})`,
    paymentId: `MANUAL_ADMIN_${admin.id}_${Date.now()}`,
    category: input.category,
    expiresAt: input.expiresAt,
    priority: input.priority,
  }, { actor: approvedBy ?? admin, extra: approvedBy && { requestedBy: admin.username } });
}

/** A ledger row as the guide's add response shows it. */
export function guideTransaction(t: CreditTransaction) {
  return {
    id: t.id,
    customerId: t.customerId,
    amount: t.amount,
    balanceBefore: t.balanceBefore,
    balanceAfter: t.balanceAfter,
    description: t.description,
    createdAt: t.createdAt,
  };
}

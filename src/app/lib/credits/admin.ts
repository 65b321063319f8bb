import 'server-only';
import type { Caller } from '../auth/caller';
import type { Queryable } from '../db';
import { addCredits, type CreditTransaction } from './ledger';
import type { AddCreditsInput } from './schemas';

/**
 * The guide's manual admin credit addition: an `admin_grant` row whose payment id and description
 * carry the admin (`MANUAL_ADMIN_{userId}_{timestamp}`, "(Added by: …)"), which the guide's audit
 * queries select on. It is a grant: `promotional` unless the input says `paid`, priority 100 and no
 * expiry unless given.
 */
export function adminAddCredits(q: Queryable, admin: Pick<Caller, 'id' | 'username'>, input: AddCreditsInput): Promise<CreditTransaction> {
  return addCredits(q, {
    customerId: input.customerId,
    userId: admin.id,
    type: 'admin_grant',
    amount: input.amount,
    description: `[ADMIN] ${input.description} (Added by: ${admin.username})`,
    paymentId: `MANUAL_ADMIN_${admin.id}_${Date.now()}`,
    category: input.category,
    expiresAt: input.expiresAt,
    priority: input.priority,
  });
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

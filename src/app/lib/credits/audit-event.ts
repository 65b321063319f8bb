import 'server-only';
import { auditOfLedgerRow, recordAudit } from '../audit';
import type { Actor } from '../auth/caller';
import type { Queryable } from '../db';
import type { CreditTransaction } from './ledger';

/** The audit log's event for an admin's credit change, written in the change's own transaction. */
export function auditCreditChange(
  tx: Queryable,
  actor: Actor,
  action: 'credits.added' | 'credits.deducted' | 'credits.voided',
  t: CreditTransaction,
  extra?: Record<string, unknown>,
) {
  return recordAudit(tx, {
    action,
    actor,
    customerId: t.customerId,
    target: { type: 'credit_transaction', id: t.id },
    before: { balance: t.balanceBefore },
    after: { balance: t.balanceAfter, amount: t.amount, type: t.type, description: t.description, ...extra },
  });
}

/**
 * An addition's `credits.added` event, for `addCredits` to write in the addition's own statement:
 * the same event as `auditCreditChange`'s, balances taken from the row as it is inserted.
 */
export interface AdditionAudit {
  actor: Actor;
  extra?: Record<string, unknown>;
}

export function auditOfAddition(row: string, a: AdditionAudit, t: Pick<CreditTransaction, 'amount' | 'type' | 'description'>, first: number) {
  return auditOfLedgerRow(row, { action: 'credits.added', actor: a.actor, after: { amount: t.amount, type: t.type, description: t.description, ...a.extra } }, first);
}

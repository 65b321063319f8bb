import { Can } from '@/app/_ui/access';
import { formatNumber, formatSigned } from '@/app/_ui/format';
import { GRANT_TYPES, type TransactionType } from '@/app/shared/credits';

/** A ledger amount, signed and coloured: +100 green, −20 red. */
export function AmountCell({ amount }: { amount: number }) {
  return <td className={`num strong ${amount > 0 ? 'positive' : 'negative'}`}>{formatSigned(amount)}</td>;
}

/** The balance a transaction moved: "0 → 100". */
export function BalanceChangeCell({ before, after }: { before: number; after: number }) {
  return (
    <td className="num nowrap">
      {formatNumber(before)} → {formatNumber(after)}
    </td>
  );
}

/** Void on a grant row (for those who may void): opens the confirmation, which says what remains. */
export function VoidButton({ transaction, onVoid }: { transaction: { id: number; type: string; amount: number }; onVoid: (grantId: number) => void }) {
  if (!GRANT_TYPES.includes(transaction.type as TransactionType) || transaction.amount <= 0) return null;
  return (
    <Can permission="credits.void">
      <button type="button" className="btn btn-secondary btn-small" onClick={() => onVoid(transaction.id)} aria-label={`Void grant #${transaction.id}`}>
        Void
      </button>
    </Can>
  );
}

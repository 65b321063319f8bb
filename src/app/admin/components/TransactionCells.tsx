import { formatNumber, formatSigned } from '@/app/_ui/format';

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

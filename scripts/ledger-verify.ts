import { verifyLedger } from '../src/app/lib/credits/verify';
import { openDatabase } from '../src/app/lib/db';

/**
 * `npm run ledger:verify [-- --customer ID]`: recomputes the ledger's hash chain (every customer, or
 * one) on DATABASE_URL or the embedded database, prints `{ ok, checked, firstBadTransactionId }`
 * and exits 0 when intact, 1 when a row does not follow from the one before it, 2 on bad usage.
 */
async function main(argv: string[]): Promise<number> {
  const at = argv.indexOf('--customer');
  const customerId = at >= 0 ? Number(argv[at + 1]) : undefined;
  if (customerId !== undefined && (!Number.isSafeInteger(customerId) || customerId < 1)) {
    console.error('usage: npm run ledger:verify -- [--customer ID]');
    return 2;
  }
  const db = await openDatabase();
  try {
    const result = await verifyLedger(db, customerId);
    console.log(JSON.stringify(result));
    if (!result.ok) console.error(`ledger:verify: transaction ${result.firstBadTransactionId} does not match the hash chain`);
    return result.ok ? 0 : 1;
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(`ledger:verify failed: ${err instanceof Error ? err.message : err}`);
    process.exit(2);
  },
);

import 'server-only';
import Stripe from 'stripe';
import { recordAudit } from '../audit';
import type { Actor } from '../auth/caller';
import { config } from '../config';
import { getBalance } from '../credits';
import type { Db, Queryable } from '../db';
import { badRequest } from '../errors';
import { billingAccount, type BillingAccountRow } from './accounts';
import { recordBillingEvent } from './audit';
import { startCardSetup } from './checkout';
import { packOnSale } from './packs';
import { endPurchase, lockPurchase, type PurchaseRow } from './purchases';
import type { AutoTopUpInput } from './schemas';
import { buyingEnabled, stripeClient } from './stripe';

/** Consecutive failed charges after which auto top-up switches itself off. */
export const MAX_CONSECUTIVE_FAILURES = 3;
/** A charge still `charging` this long after its claim (a crash mid-call) is sent again, with the same idempotency key. */
const STALE_CHARGE_SECONDS = 300;

export interface AutoTopUpSettings {
  enabled: boolean;
  thresholdCredits: number;
  packId: number | null;
  monthlyLimit: number;
  /** armed: waiting for the balance to fall below the threshold; due/charging: a charge is on its way; spent: waiting to be back at the threshold. */
  state: BillingAccountRow['top_up_state'];
  card: { brand: string | null; last4: string | null } | null;
  consecutiveFailures: number;
  /** Why it switched itself off; null unless it did. */
  disabledReason: string | null;
  chargesThisMonth: number;
  nextAttemptAt: string | null;
}

const MONTH_START = `date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`;

async function chargesThisMonth(q: Queryable, customerId: number): Promise<number> {
  const { rows } = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM purchases
      WHERE customer_id = $1 AND kind = 'auto_top_up' AND status IN ('pending', 'paid') AND created_at >= ${MONTH_START}`,
    [customerId],
  );
  return rows[0]!.n;
}

export async function autoTopUpSettings(db: Queryable, customerId: number): Promise<AutoTopUpSettings> {
  const a = await billingAccount(db, customerId);
  return {
    enabled: a.auto_top_up,
    thresholdCredits: a.threshold_credits,
    packId: a.top_up_pack_id,
    monthlyLimit: a.monthly_limit,
    state: a.top_up_state,
    card: a.payment_method_id ? { brand: a.card_brand, last4: a.card_last4 } : null,
    consecutiveFailures: a.consecutive_failures,
    disabledReason: a.disabled_reason,
    chargesThisMonth: await chargesThisMonth(db, customerId),
    nextAttemptAt: a.next_attempt_at?.toISOString() ?? null,
  };
}

/** The settings an admin changes, as the audit log records them. */
const auditedSettings = (a: BillingAccountRow) => ({
  enabled: a.auto_top_up,
  thresholdCredits: a.threshold_credits,
  packId: a.top_up_pack_id,
  monthlyLimit: a.monthly_limit,
});

/** Arms a due charge at once if the balance is already below the threshold (turning it on, saving a card). */
async function armIfBelow(q: Queryable, customerId: number): Promise<void> {
  const { balance } = await getBalance(q, customerId);
  await q.query(
    `UPDATE billing_accounts SET top_up_state = 'due', next_attempt_at = now(), updated_at = now()
      WHERE customer_id = $1 AND auto_top_up AND top_up_state IN ('armed', 'spent') AND $2 < threshold_credits`,
    [customerId, balance],
  );
}

/**
 * PUT /api/billing/auto-top-up. Turning it on (again) clears a switch-off and its failure count, and
 * arms it; with no saved card the answer carries the `url` of a Checkout Session that saves one.
 */
export async function saveAutoTopUp(db: Db, actor: Actor, customerId: number, input: AutoTopUpInput, appUrl: string): Promise<{ autoTopUp: AutoTopUpSettings; url?: string }> {
  if (input.enabled && !buyingEnabled()) throw badRequest('Buying is off', 'Auto top-up needs Stripe (STRIPE_SECRET_KEY), which is not configured');
  const { account, currency } = await db.transaction(async (tx) => {
    const current = await billingAccount(tx, customerId, { lock: true });
    const packId = input.packId ?? current.top_up_pack_id;
    if (input.enabled && packId === null) throw badRequest('Choose a pack', { packId: 'Auto top-up needs the pack to buy' });
    const pack = packId !== null && (input.enabled || input.packId !== undefined) ? await packOnSale(tx, packId) : null;
    const { rows } = await tx.query<BillingAccountRow>(
      `UPDATE billing_accounts
          SET auto_top_up = $2, threshold_credits = COALESCE($3, threshold_credits), top_up_pack_id = COALESCE($4, top_up_pack_id),
              monthly_limit = COALESCE($5, monthly_limit),
              consecutive_failures = CASE WHEN $2 AND NOT auto_top_up THEN 0 ELSE consecutive_failures END,
              disabled_reason = CASE WHEN $2 THEN NULL ELSE disabled_reason END,
              top_up_state = CASE WHEN top_up_state = 'charging' THEN top_up_state ELSE 'armed' END,
              next_attempt_at = CASE WHEN top_up_state = 'charging' THEN next_attempt_at END,
              updated_at = now()
        WHERE customer_id = $1 RETURNING *`,
      [customerId, input.enabled, input.thresholdCredits ?? null, pack?.id ?? null, input.monthlyLimit ?? null],
    );
    const account = rows[0]!;
    if (input.enabled) await armIfBelow(tx, customerId);
    await recordAudit(tx, {
      action: 'billing.auto_top_up_changed',
      actor,
      customerId,
      target: { type: 'customer', id: customerId },
      before: auditedSettings(current),
      after: auditedSettings(account),
    });
    return { account, currency: pack?.currency ?? 'usd' };
  });
  const url = account.auto_top_up && !account.payment_method_id ? await startCardSetup(db, customerId, currency, appUrl) : undefined;
  const autoTopUp = await autoTopUpSettings(db, customerId);
  return url ? { autoTopUp, url } : { autoTopUp };
}

/** A card was saved: a top-up that was waiting for one may be due now. */
export const cardSaved = armIfBelow;

/**
 * Claims the customer's due top-up, if any: a pending auto_top_up purchase at the pack's price, the
 * account moved due → charging under its row lock (one winner however many runners try; the unique
 * index on in-flight top-ups is the database's own guard). A stale `charging` claim is handed back
 * for a retry with the same idempotency key. Null: nothing to charge now.
 */
async function claim(db: Db, customerId: number): Promise<{ purchase: PurchaseRow; account: BillingAccountRow } | null> {
  return db.transaction(async (tx) => {
    const a = await billingAccount(tx, customerId, { lock: true });
    if (!a.auto_top_up || !a.payment_method_id || !a.stripe_customer_id) return null;
    if (a.top_up_state === 'charging') {
      const stale = Date.now() - a.updated_at.getTime() > STALE_CHARGE_SECONDS * 1000;
      const purchase = stale ? await lockPurchase(tx, { id: a.charging_purchase_id! }) : undefined;
      return purchase?.status === 'pending' ? { purchase, account: a } : null;
    }
    if (a.top_up_state !== 'due' || (a.next_attempt_at && a.next_attempt_at.getTime() > Date.now())) return null;
    if ((await chargesThisMonth(tx, customerId)) >= a.monthly_limit) {
      // The month's charges are used up: the top-up waits for the next calendar month.
      await tx.query(`UPDATE billing_accounts SET next_attempt_at = ${MONTH_START} + interval '1 month', updated_at = now() WHERE customer_id = $1`, [customerId]);
      return null;
    }
    const pack = await packOnSale(tx, a.top_up_pack_id!).catch(() => null);
    if (!pack) {
      await switchOff(tx, customerId, null, 'The auto top-up pack is no longer on sale: choose another one and turn auto top-up on again');
      return null;
    }
    const { rows } = await tx.query<{ id: number }>(
      `INSERT INTO purchases (customer_id, pack_id, kind, status, pack_name, credits, unit_amount, currency)
       VALUES ($1, $2, 'auto_top_up', 'pending', $3, $4, $5, $6) RETURNING id`,
      [customerId, pack.id, pack.name, pack.credits, pack.unitAmount, pack.currency],
    );
    const id = rows[0]!.id;
    await tx.query(
      `UPDATE billing_accounts SET top_up_state = 'charging', charging_purchase_id = $2, next_attempt_at = NULL, updated_at = now()
        WHERE customer_id = $1 AND top_up_state = 'due'`,
      [customerId, id],
    );
    return { purchase: (await lockPurchase(tx, { id }))!, account: a };
  });
}

/**
 * Charges one customer's due top-up: one off-session PaymentIntent on the saved card, idempotent per
 * purchase. Credits come from `payment_intent.succeeded` like any purchase; a decline counts as one
 * failure however it is reported.
 */
export async function chargeTopUp(db: Db, customerId: number): Promise<'charged' | 'failed' | 'nothing due'> {
  const claimed = await claim(db, customerId);
  if (!claimed) return 'nothing due';
  const { purchase, account } = claimed;
  const stripe = stripeClient();
  try {
    const pi = await stripe.paymentIntents.create(
      {
        amount: purchase.unit_amount,
        currency: purchase.currency,
        customer: account.stripe_customer_id!,
        payment_method: account.payment_method_id!,
        off_session: true,
        confirm: true,
        description: `Auto top-up #${purchase.id}: ${purchase.pack_name}`,
        metadata: { customerId: String(customerId), packId: String(purchase.pack_id), purchaseId: String(purchase.id), kind: 'auto_top_up' },
      },
      { idempotencyKey: `auto-top-up-${purchase.stripe_request_key}` },
    );
    await db.query('UPDATE purchases SET payment_intent_id = COALESCE(payment_intent_id, $2), updated_at = now() WHERE id = $1', [purchase.id, pi.id]);
    if (pi.status === 'succeeded' || pi.status === 'processing') return 'charged';
    await db.transaction((tx) => recordTopUpFailure(tx, purchase.id, pi.id, `The payment needs the cardholder (${pi.status})`));
    return 'failed';
  } catch (err) {
    if (!(err instanceof Stripe.errors.StripeCardError)) throw err;
    const piId = (err.raw as { payment_intent?: { id: string } }).payment_intent?.id ?? null;
    await db.transaction((tx) => recordTopUpFailure(tx, purchase.id, piId, err.message));
    return 'failed';
  }
}

/**
 * A failed top-up charge, counted once whether the API's error or `payment_intent.payment_failed`
 * reports it (whichever comes second finds the purchase no longer pending). The next attempt waits
 * AUTO_TOP_UP_RETRY_SECONDS; the third failure in a row switches auto top-up off.
 */
export async function recordTopUpFailure(tx: Queryable, purchaseId: number, paymentIntentId: string | null, reason: string): Promise<string> {
  const purchase = await lockPurchase(tx, { id: purchaseId });
  if (!purchase) return 'unknown purchase';
  await tx.query('UPDATE purchases SET payment_intent_id = COALESCE(payment_intent_id, $2) WHERE id = $1', [purchaseId, paymentIntentId]);
  if (!(await endPurchase(tx, purchaseId, 'failed', reason))) return 'failure already counted';
  const { rows } = await tx.query<{ consecutive_failures: number }>(
    `UPDATE billing_accounts
        SET consecutive_failures = consecutive_failures + 1, charging_purchase_id = NULL, top_up_state = 'due',
            next_attempt_at = now() + make_interval(secs => $3), updated_at = now()
      WHERE customer_id = $1 AND charging_purchase_id = $2 RETURNING consecutive_failures`,
    [purchase.customer_id, purchaseId, config.autoTopUp.retrySeconds],
  );
  const failures = rows[0]?.consecutive_failures ?? 0;
  await recordBillingEvent(tx, {
    customerId: purchase.customer_id,
    purchaseId,
    kind: 'auto_top_up_failed',
    message: `Auto top-up #${purchaseId} failed: ${reason}`,
    details: { paymentIntentId, consecutiveFailures: failures },
  });
  if (failures >= MAX_CONSECUTIVE_FAILURES) {
    await switchOff(tx, purchase.customer_id, purchaseId, `Auto top-up switched itself off after ${failures} failed charges in a row (last: ${reason.replace(/\.$/, '')}). Check the card and turn it on again.`);
    return 'failed; auto top-up switched off';
  }
  return 'failed';
}

async function switchOff(tx: Queryable, customerId: number, purchaseId: number | null, reason: string): Promise<void> {
  await tx.query(
    `UPDATE billing_accounts SET auto_top_up = false, top_up_state = 'armed', charging_purchase_id = NULL, next_attempt_at = NULL,
            disabled_reason = $2, updated_at = now() WHERE customer_id = $1`,
    [customerId, reason],
  );
  await recordBillingEvent(tx, { customerId, purchaseId, kind: 'auto_top_up_disabled', message: reason });
}

/** A top-up's payment succeeded: the account leaves `charging` (before the credit, whose ledger row re-arms it at the threshold). */
export async function topUpSucceeded(tx: Queryable, purchase: PurchaseRow): Promise<void> {
  await tx.query(
    `UPDATE billing_accounts SET top_up_state = 'spent', charging_purchase_id = NULL, consecutive_failures = 0, updated_at = now()
      WHERE customer_id = $1 AND charging_purchase_id = $2`,
    [purchase.customer_id, purchase.id],
  );
}

/** The job's pass: every customer with a top-up due (or a stale charge), each charged at most once. */
export async function runAutoTopUps(db: Db): Promise<number> {
  const { rows } = await db.query<{ customer_id: number }>(
    `SELECT customer_id FROM billing_accounts
      WHERE auto_top_up AND ((top_up_state = 'due' AND (next_attempt_at IS NULL OR next_attempt_at <= now()))
         OR (top_up_state = 'charging' AND updated_at < now() - make_interval(secs => $1)))
      ORDER BY next_attempt_at NULLS FIRST LIMIT 100`,
    [STALE_CHARGE_SECONDS],
  );
  let charged = 0;
  for (const { customer_id } of rows) {
    try {
      if ((await chargeTopUp(db, customer_id)) === 'charged') charged++;
    } catch (err) {
      // One customer's Stripe trouble must not hold up the others; a stale claim is retried.
      console.error(`[billing] auto top-up of customer ${customer_id} failed:`, (err as Error).message);
    }
  }
  return charged;
}

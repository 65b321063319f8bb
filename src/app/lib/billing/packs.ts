import 'server-only';
import { recordAudit } from '../audit';
import type { Actor } from '../auth/caller';
import type { Db, Queryable } from '../db';
import { badRequest, notFound } from '../errors';
import type { CreatePackInput, UpdatePackInput } from './schemas';

/** A credit pack: so many credits for a fixed price. Purchases copy it, so editing a pack changes no sale. */
export interface CreditPack {
  id: number;
  name: string;
  credits: number;
  unitAmount: number;
  currency: string;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

interface PackRow {
  id: number;
  name: string;
  credits: number;
  unit_amount: number;
  currency: string;
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, name, credits, unit_amount, currency, active, created_at, updated_at';

const toPack = (r: PackRow): CreditPack => ({
  id: r.id,
  name: r.name,
  credits: r.credits,
  unitAmount: r.unit_amount,
  currency: r.currency,
  active: r.active,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

/** Every pack (SUPER_ADMIN), or only those on sale. Cheapest per credit first within a currency. */
export async function listPacks(db: Queryable, { activeOnly }: { activeOnly: boolean }): Promise<CreditPack[]> {
  const { rows } = await db.query<PackRow>(
    `SELECT ${COLUMNS} FROM credit_packs ${activeOnly ? 'WHERE active' : ''} ORDER BY active DESC, currency, credits, id`,
  );
  return rows.map(toPack);
}

/** The audit log's view of a pack: what a sale copies from it. */
const audited = (p: CreditPack) => ({ name: p.name, credits: p.credits, unitAmount: p.unitAmount, currency: p.currency, active: p.active });

/** A new pack (SUPER_ADMIN), audited in the same transaction. */
export function createPack(db: Db, actor: Actor, input: CreatePackInput): Promise<CreditPack> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<PackRow>(
      `INSERT INTO credit_packs (name, credits, unit_amount, currency) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
      [input.name, input.credits, input.unitAmount, input.currency],
    );
    const pack = toPack(rows[0]!);
    await recordAudit(tx, { action: 'billing.pack_created', actor, target: { type: 'credit_pack', id: pack.id }, after: audited(pack) });
    return pack;
  });
}

/** Edits a pack or takes it off sale (SUPER_ADMIN), audited with what it was before. */
export function updatePack(db: Db, actor: Actor, id: number, input: UpdatePackInput): Promise<CreditPack> {
  return db.transaction(async (tx) => {
    const before = await tx.query<PackRow>(`SELECT ${COLUMNS} FROM credit_packs WHERE id = $1 FOR UPDATE`, [id]);
    if (!before.rows[0]) throw notFound('Credit pack', `No credit pack with ID ${id}`);
    const { rows } = await tx.query<PackRow>(
      `UPDATE credit_packs
          SET name = COALESCE($2, name), credits = COALESCE($3, credits), unit_amount = COALESCE($4, unit_amount),
              currency = COALESCE($5, currency), active = COALESCE($6, active), updated_at = now()
        WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, input.name ?? null, input.credits ?? null, input.unitAmount ?? null, input.currency ?? null, input.active ?? null],
    );
    const pack = toPack(rows[0]!);
    await recordAudit(tx, {
      action: 'billing.pack_updated',
      actor,
      target: { type: 'credit_pack', id },
      before: audited(toPack(before.rows[0])),
      after: audited(pack),
    });
    return pack;
  });
}

/** A pack that can be bought now; `lock` holds it for the transaction so its price can't change under a sale. */
export async function packOnSale(db: Queryable, id: number): Promise<CreditPack> {
  const { rows } = await db.query<PackRow>(`SELECT ${COLUMNS} FROM credit_packs WHERE id = $1 FOR SHARE`, [id]);
  if (!rows[0]) throw notFound('Credit pack', `No credit pack with ID ${id}`);
  if (!rows[0].active) throw badRequest('Pack not on sale', `Credit pack ${id} (${rows[0].name}) is not on sale any more`);
  return toPack(rows[0]);
}

import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it} from 'vitest';
import { addCredits, bookAdminGrant, consumeCredits, guideTransaction } from '@/app/lib/credits';
import type { Db } from '@/app/lib/db/types';
import { createTestDb, unique, type TestDatabase } from '../support/db';
import { GUIDE, PLACEHOLDER, readGuideQueries, ROOT, type Section } from '../support/guide-sql';

// The lib project does not inherit the root testTimeout/hookTimeout (vitest projects need `extends: true`):
// PGlite start-up and child processes need more than vitest's 5 s / 10 s defaults on a busy machine.

/**
 * Every SQL query in the admin guide, copied out of the guide at test time and run verbatim (only
 * the YOUR_CUSTOMER_ID placeholder is filled in) against a seeded database: a user who pastes
 * them into psql must get the rows the guide promises.
 */

const QUERIES = readGuideQueries();
const inSection = (section: Section) => QUERIES.filter((q) => q.section === section);

/** The one query of a section that matches `test` (fails clearly if the guide lost it). */
function pick(section: Section, test: (sql: string) => boolean): string {
  const found = inSection(section).filter((q) => test(q.sql));
  expect(found.length, `expected exactly one matching query under "${section}" in ${GUIDE}`).toBe(1);
  return found[0]!.sql;
}

// --- seeded database -------------------------------------------------------------------------

let t: TestDatabase;
let db: Db;
const seed = {
  alpha: { id: 0, name: unique('Alpha') },
  beta: { id: 0, name: unique('Beta') },
  admin: { id: 0, username: unique('admin') },
  grants: [] as Array<{ id: number; customerId: number; amount: number; balanceBefore: number; balanceAfter: number; description: string }>,
};

async function run(sql: string): Promise<Record<string, unknown>[]> {
  return (await db.query<Record<string, unknown>>(sql.replaceAll(PLACEHOLDER, String(seed.alpha.id)))).rows;
}

beforeAll(async () => {
  t = await createTestDb();
  db = t.db;
  for (const c of [seed.alpha, seed.beta]) {
    c.id = (await db.query<{ id: number }>('INSERT INTO customers (name) VALUES ($1) RETURNING id', [c.name])).rows[0]!.id;
  }
  seed.admin.id = (
    await db.query<{ id: number }>(`INSERT INTO users (username, password_hash, role) VALUES ($1, 'x', 'SUPER_ADMIN') RETURNING id`, [
      seed.admin.username,
    ])
  ).rows[0]!.id;
  const userOf = async (customerId: number) =>
    (
      await db.query<{ id: number }>(`INSERT INTO users (username, password_hash, role, customer_id) VALUES ($1, 'x', 'USER', $2) RETURNING id`, [
        unique('user'),
        customerId,
      ])
    ).rows[0]!.id;
  const alphaUser = await userOf(seed.alpha.id);
  const betaUser = await userOf(seed.beta.id);

  const grant = async (customerId: number, amount: number, description: string) => {
    seed.grants.push(guideTransaction(await bookAdminGrant(db, seed.admin, { customerId, amount, description })));
  };
  await grant(seed.alpha.id, 100, 'Demo account credits for prospect evaluation');
  await consumeCredits(db, { customerId: seed.alpha.id, userId: alphaUser, amount: 20, description: 'Roblox look-up' });
  await grant(seed.alpha.id, 50, 'Q1 2024 promotional credits - New customer bonus');
  await grant(seed.beta.id, 30, 'Service interruption compensation - Incident #1234');
  // A customer's own purchase: a credit addition, but not a manual admin one.
  await addCredits(db, { customerId: seed.beta.id, userId: betaUser, type: 'purchase', amount: 200, description: 'Card payment', paymentId: 'pi_3Nabc' });
});

afterAll(async () => {
  await t?.drop();
});

/** The admin grants as the guide's audit queries should list them: newest first. */
const grantsNewestFirst = () => [...seed.grants].reverse();
const customerName = (id: number) => (id === seed.alpha.id ? seed.alpha.name : seed.beta.name);

function expectNewestFirst(rows: Record<string, unknown>[]): void {
  const times = rows.map((r) => (r.created_at as Date).getTime());
  expect(times).toEqual([...times].sort((a, b) => b - a));
}

describe(`the guide's SQL (${path.relative(ROOT, GUIDE)})`, () => {
  it('contains the queries this test knows about: at least 6, each under its section', () => {
    expect(QUERIES.length, `only ${QUERIES.length} SQL queries found in ${GUIDE}: has the guide's format changed?`).toBeGreaterThanOrEqual(6);
    expect(QUERIES.filter((q) => q.section === undefined)).toEqual([]);
    expect(inSection('Step 2: Verify the Migration').length).toBeGreaterThanOrEqual(2);
    expect(inSection('Viewing Transaction History').length).toBeGreaterThanOrEqual(2);
    expect(inSection('Check Customer Credit Balances').length).toBeGreaterThanOrEqual(1);
    expect(inSection('Recent Credit Additions').length).toBeGreaterThanOrEqual(1);
    expect(QUERIES.filter((q) => q.sql.includes(PLACEHOLDER)).length).toBeGreaterThanOrEqual(1);
  });

  it('every query runs without error as written', async () => {
    for (const q of QUERIES) await expect(run(q.sql), q.sql).resolves.toBeInstanceOf(Array);
  });

  it('Step 2: Verify the Migration — the view has the three credit columns, and shows every balance', async () => {
    const columns = await run(pick('Step 2: Verify the Migration', (sql) => /information_schema\.columns/.test(sql)));
    expect(columns.map((r) => `${r.column_name}:${r.data_type}`).sort()).toEqual([
      'credit_balance:bigint',
      'total_credits_purchased:bigint',
      'total_credits_used:bigint',
    ]);

    const rows = await run(pick('Step 2: Verify the Migration', (sql) => /FROM\s+customer_stats/i.test(sql)));
    expect(Object.keys(rows[0]!)).toEqual(['id', 'name', 'credit_balance', 'total_credits_purchased', 'total_credits_used']);
    expect(rows.sort((a, b) => (a.id as number) - (b.id as number))).toEqual([
      { id: seed.alpha.id, name: seed.alpha.name, credit_balance: 130, total_credits_purchased: 150, total_credits_used: 20 },
      { id: seed.beta.id, name: seed.beta.name, credit_balance: 230, total_credits_purchased: 230, total_credits_used: 0 },
    ]);
  });

  it('Viewing Transaction History — all admin credit additions: only MANUAL_ADMIN rows, newest first, with who and why', async () => {
    const rows = await run(pick('Viewing Transaction History', (sql) => !sql.includes(PLACEHOLDER)));
    expect(Object.keys(rows[0]!)).toEqual([
      'id',
      'created_at',
      'customer_name',
      'admin_user',
      'amount',
      'balance_before',
      'balance_after',
      'description',
    ]);
    expectNewestFirst(rows);
    expect(rows.map(({ created_at: _, ...r }) => r)).toEqual(
      grantsNewestFirst().map((g) => ({
        id: g.id,
        customer_name: customerName(g.customerId),
        admin_user: seed.admin.username,
        amount: g.amount,
        balance_before: g.balanceBefore,
        balance_after: g.balanceAfter,
        description: g.description,
      })),
    );
    // The usage debit happened between Alpha's two grants: the second starts from 80, not 100.
    expect(rows.find((r) => r.amount === 50)).toMatchObject({ balance_before: 80, balance_after: 130 });
    expect(rows.every((r) => String(r.description).endsWith(`(Added by: ${seed.admin.username})`))).toBe(true);
  });

  it('Viewing Transaction History — admin credits for a specific customer (YOUR_CUSTOMER_ID filled in)', async () => {
    const rows = await run(pick('Viewing Transaction History', (sql) => sql.includes(PLACEHOLDER)));
    expect(Object.keys(rows[0]!)).toEqual(['created_at', 'added_by', 'amount', 'description']);
    expectNewestFirst(rows);
    expect(rows.map(({ created_at: _, ...r }) => r)).toEqual([
      { added_by: seed.admin.username, amount: 50, description: `[ADMIN] Q1 2024 promotional credits - New customer bonus (Added by: ${seed.admin.username})` },
      { added_by: seed.admin.username, amount: 100, description: `[ADMIN] Demo account credits for prospect evaluation (Added by: ${seed.admin.username})` },
    ]);
  });

  it('Check Customer Credit Balances — every customer by name with balance and lifetime totals', async () => {
    const rows = await run(pick('Check Customer Credit Balances', (sql) => /LEFT JOIN customer_credits/i.test(sql)));
    expect(rows).toEqual([
      { id: seed.alpha.id, name: seed.alpha.name, balance: 130, total_purchased: 150, total_used: 20 },
      { id: seed.beta.id, name: seed.beta.name, balance: 230, total_purchased: 230, total_used: 0 },
    ]);
    expect(Object.keys(rows[0]!)).toEqual(['id', 'name', 'balance', 'total_purchased', 'total_used']);
  });

  it('Recent Credit Additions — the last 7 days of admin additions, newest first, without the purchase or the usage', async () => {
    const rows = await run(pick('Recent Credit Additions', (sql) => /INTERVAL '7 days'/i.test(sql)));
    expect(Object.keys(rows[0]!)).toEqual(['created_at', 'customer', 'amount', 'description']);
    expectNewestFirst(rows);
    expect(rows.map(({ created_at: _, ...r }) => r)).toEqual(
      grantsNewestFirst().map((g) => ({ customer: customerName(g.customerId), amount: g.amount, description: g.description })),
    );
  });
});

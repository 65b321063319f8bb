import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it} from 'vitest';
import { addCredits } from '@/app/lib/credits';
import type { Queryable } from '@/app/lib/db/types';
import { createTestDb, unique, type TestDatabase } from '../support/db';

// The lib project does not inherit the root testTimeout/hookTimeout (vitest projects need `extends: true`):
// PGlite start-up and child processes need more than vitest's 5 s / 10 s defaults on a busy machine.

/**
 * src/app/lib/db/schema.sql is the reference schema. It must describe exactly what migrations
 * migrations build: one database is migrated, another is loaded from schema.sql, and their catalogs
 * (public schema, schema_migrations aside) must be identical.
 */

const SCHEMA_SQL = path.resolve(__dirname, '../../src/app/lib/db/schema.sql');

// Objects that belong to an extension (pg_trgm's functions, types, operator classes) are compared
// through the extension itself (name and version), not one by one.
const notExtensionMember = (catalog: string, oidExpr: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '${catalog}'::regclass AND d.objid = ${oidExpr} AND d.deptype = 'e')`;

const PUBLIC_RELATION = `n.nspname = 'public' AND c.relname <> 'schema_migrations' AND ${notExtensionMember('pg_class', 'c.oid')}`;

/** What we compare, category by category; every query returns rows in a deterministic order. */
const CATALOG_QUERIES = {
  extensions: `
    SELECT e.extname, e.extversion, n.nspname AS schema
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname <> 'plpgsql'
     ORDER BY 1`,
  tables: `
    SELECT c.relname, c.relkind, c.relpersistence
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE ${PUBLIC_RELATION} AND c.relkind IN ('r', 'p', 'f')
     ORDER BY 1`,
  // Position, not attnum: a dropped column leaves a gap in attnum that a fresh schema.sql has not.
  columns: `
    SELECT c.relname,
           row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum)::int AS position,
           a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull,
           pg_get_expr(ad.adbin, ad.adrelid) AS default_expr, a.attidentity, a.attgenerated,
           CASE WHEN a.attcollation <> t.typcollation THEN a.attcollation::regcollation::text END AS collation
      FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_type t ON t.oid = a.atttypid
      LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
     WHERE ${PUBLIC_RELATION} AND c.relkind IN ('r', 'p', 'f', 'v', 'm') AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY 1, 2`,
  constraints: `
    SELECT coalesce(c.relname, '') AS relname, con.conname, con.contype,
           pg_get_constraintdef(con.oid, true) AS definition, con.condeferrable, con.condeferred
      FROM pg_constraint con
      JOIN pg_namespace n ON n.oid = con.connamespace
      LEFT JOIN pg_class c ON c.oid = con.conrelid
     WHERE n.nspname = 'public' AND coalesce(c.relname, '') <> 'schema_migrations'
       AND ${notExtensionMember('pg_constraint', 'con.oid')}
     ORDER BY 1, 2`,
  indexes: `
    SELECT tablename, indexname, indexdef
      FROM pg_indexes
     WHERE schemaname = 'public' AND tablename <> 'schema_migrations'
     ORDER BY 1, 2`,
  triggers: `
    SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid, true) AS definition, t.tgenabled
      FROM pg_trigger t
      JOIN pg_class c ON c.oid = t.tgrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND NOT t.tgisinternal
     ORDER BY 1, 2`,
  functions: `
    SELECT p.proname, pg_get_function_identity_arguments(p.oid) AS args, p.prokind,
           CASE WHEN p.prokind IN ('f', 'p') THEN pg_get_functiondef(p.oid) END AS definition
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = 'public' AND ${notExtensionMember('pg_proc', 'p.oid')}
     ORDER BY 1, 2`,
  views: `
    SELECT c.relname, c.relkind, pg_get_viewdef(c.oid, true) AS definition
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE ${PUBLIC_RELATION} AND c.relkind IN ('v', 'm')
     ORDER BY 1`,
  sequences: `
    SELECT c.relname, format_type(s.seqtypid, NULL) AS type, s.seqstart::text, s.seqincrement::text,
           s.seqmin::text, s.seqmax::text, s.seqcache::text, s.seqcycle,
           (SELECT o.relname || '.' || a.attname
              FROM pg_depend d
              JOIN pg_class o ON o.oid = d.refobjid
              JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
             WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
               AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')) AS owned_by
      FROM pg_sequence s
      JOIN pg_class c ON c.oid = s.seqrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE ${PUBLIC_RELATION}
     ORDER BY 1`,
  types: `
    SELECT t.typname, t.typtype, format_type(t.typbasetype, t.typtypmod) AS base,
           (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) AS labels
      FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd', 'r')
       AND ${notExtensionMember('pg_type', 't.oid')}
     ORDER BY 1`,
} as const;

type Category = keyof typeof CATALOG_QUERIES;
type Catalog = Record<Category, Record<string, unknown>[]>;

async function catalogOf(q: Queryable): Promise<Catalog> {
  const out = {} as Catalog;
  for (const [category, sql] of Object.entries(CATALOG_QUERIES) as [Category, string][]) {
    out[category] = (await q.query<Record<string, unknown>>(sql)).rows;
  }
  return out;
}

let fromMigrations: TestDatabase;
let fromSchema: TestDatabase;
let migrated: Catalog;
let reference: Catalog;
const schemaSql = fs.readFileSync(SCHEMA_SQL, 'utf8');

beforeAll(async () => {
  [fromMigrations, fromSchema] = await Promise.all([createTestDb(), createTestDb({ migrateTo: 'none' })]);
  await fromSchema.db.exec(schemaSql);
  [migrated, reference] = await Promise.all([catalogOf(fromMigrations.db), catalogOf(fromSchema.db)]);
});

afterAll(async () => {
  await Promise.all([fromMigrations?.drop(), fromSchema?.drop()]);
});

describe('schema.sql', () => {
  it('says in its header that it is the reference schema kept equal to the migrations by this test', () => {
    const header = schemaSql.slice(0, schemaSql.search(/^\s*CREATE /m));
    expect(header).toMatch(/reference schema/i);
    expect(header).toContain('tests/integration/schema.test.ts');
    expect(header.split('\n').every((line) => line.trim() === '' || line.startsWith('--'))).toBe(true);
    expect(schemaSql).not.toMatch(/schema_migrations\s*\(/i);
  });

  it('describes the whole system, not an empty database (guards the comparison below)', () => {
    expect(migrated.tables.map((t) => t.relname)).toEqual([
      'admin_daily_grants',
      'api_keys',
      'app_settings',
      'audit_events',
      'billing_accounts',
      'bulk_grant_batches',
      'bulk_grant_rows',
      'credit_allocations',
      'credit_expiry_alerts',
      'credit_grants',
      'credit_ledger_backfills',
      'credit_packs',
      'credit_transactions',
      'customer_counters',
      'customer_credits',
      'customer_search_prices',
      'customers',
      'email_outbox',
      'grant_approvals',
      'idempotency_keys',
      'login_limits',
      'notifications',
      'outbox_events',
      'purchase_refunds',
      'purchases',
      'roblox_cache',
      'roblox_cache_leases',
      'roblox_rate_buckets',
      'search_prices',
      'searches',
      'sessions',
      'stripe_events',
      'user_monthly_spend',
      'user_recovery_codes',
      'user_two_factor',
      'users',
      'webhook_deliveries',
      'webhooks',
    ]);
    expect(migrated.views.map((v) => v.relname)).toEqual(['customer_credit_totals', 'customer_stats']);
    expect(migrated.extensions.map((e) => e.extname)).toEqual(['pg_trgm']);
    expect(migrated.functions.length).toBeGreaterThanOrEqual(8);
    expect(migrated.triggers.length).toBeGreaterThanOrEqual(10);
    expect(migrated.indexes.length).toBeGreaterThanOrEqual(20);
  });

  it.each(Object.keys(CATALOG_QUERIES) as Category[])('has the same %s as the migrations', (category) => {
    expect(reference[category]).toEqual(migrated[category]);
  });

  it("has customer_stats in its 013 form: the guide's credit columns after the original ones (the other kinds are in customer_credit_totals)", () => {
    const columns = reference.columns.filter((c) => c.relname === 'customer_stats').map((c) => c.attname);
    expect(columns).toEqual([
      'id',
      'name',
      'status',
      'created_at',
      'updated_at',
      'user_count',
      'active_user_count',
      'total_searches',
      'contact_email',
      'max_users',
      'logo_url',
      'credit_balance',
      'total_credits_purchased',
      'total_credits_used',
    ]);
  });

  it('the comparison notices drift: an extra index, a changed default or function body, a dropped constraint', async () => {
    const rollback = new Error('rollback');
    let drifted: Catalog | undefined;
    await expect(
      fromSchema.db.transaction(async (tx) => {
        await tx.exec(`
          CREATE INDEX drift_idx ON customers (contact_email);
          ALTER TABLE customers ALTER COLUMN max_users SET DEFAULT 11;
          ALTER TABLE customer_credits DROP CONSTRAINT customer_credits_totals;
          CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger
          LANGUAGE plpgsql AS $$
          BEGIN
            RETURN NEW;
          END $$;`);
        drifted = await catalogOf(tx);
        throw rollback;
      }),
    ).rejects.toBe(rollback);
    for (const category of ['indexes', 'columns', 'constraints', 'functions'] as const) {
      expect(drifted![category], category).not.toEqual(migrated[category]);
    }
    // Rolled back: the reference database is unchanged.
    expect(await catalogOf(fromSchema.db)).toEqual(reference);
  });

  it('loaded on its own, it is a working ledger (triggers, view and counters wired up)', async () => {
    const db = fromSchema.db;
    const { rows } = await db.query<{ id: number }>('INSERT INTO customers (name) VALUES ($1) RETURNING id', [unique('Schema')]);
    const customerId = rows[0]!.id;
    const t = await addCredits(db, { customerId, userId: null, type: 'purchase', amount: 40, description: 'from schema.sql' });
    expect(t).toMatchObject({ balanceBefore: 0, balanceAfter: 40 });
    const stats = await db.query('SELECT credit_balance, total_credits_purchased, total_credits_used, user_count FROM customer_stats WHERE id = $1', [
      customerId,
    ]);
    expect(stats.rows).toEqual([{ credit_balance: 40, total_credits_purchased: 40, total_credits_used: 0, user_count: 0 }]);
  });
});

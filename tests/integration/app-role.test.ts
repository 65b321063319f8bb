/**
 * Issue 10, defect 9: the run-time role roblox_tool_app holds exactly the privileges the app needs,
 * and the ledger's guards bind it. Every table and view is checked against the explicit list
 * below: a table a migration adds without deciding the app's privileges on it fails here.
 *
 * On PostgreSQL the attacks run over a real connection of a login role that is a member of
 * roblox_tool_app; on PGlite (one connection) through SET ROLE.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCredits } from '@/app/lib/credits';
import { loadMigrations, migrate, migrationsDir } from '@/app/lib/db/migrate';
import { prepareJobs } from '@/app/lib/jobs';
import { SERVER_JOBS } from '@/app/lib/jobs/server-jobs';
import type { Queryable } from '@/app/lib/db/types';
import { createTestDb, unique, type TestDatabase } from '../support/db';
import { onPostgres } from '../support/env';

const ROLE = 'roblox_tool_app';
const PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'] as const;
type Privilege = (typeof PRIVILEGES)[number];

/** What the app may do to each relation: the decision every new table must get. */
const EXPECTED: Record<string, Privilege[]> = {
  app_settings: ['SELECT', 'INSERT'], // the generated session secret and the look-up store's namespace, written once
  customers: ['SELECT', 'INSERT', 'UPDATE'],
  users: ['SELECT', 'INSERT', 'UPDATE'],
  customer_credits: ['SELECT'], // moved only by the ledger trigger, which runs as the owner
  credit_transactions: ['SELECT', 'INSERT'], // the ledger: append-only
  credit_grants: ['SELECT'], // ledger v2: remainders move only in the owner-run ledger trigger
  credit_allocations: ['SELECT'], // likewise
  credit_ledger_backfills: ['SELECT'], // migration 020's bookkeeping
  searches: ['SELECT', 'INSERT', 'UPDATE'],
  customer_counters: ['SELECT'], // maintained by triggers that run as the owner
  idempotency_keys: ['SELECT', 'INSERT', 'UPDATE'], // claimed, then completed with the answer; never deleted
  schema_migrations: ['SELECT'], // start-up checks for pending migrations without DDL
  sessions: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'], // ended by UPDATE, long-dead rows pruned
  user_two_factor: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'], // enrolment, code steps, disabling
  user_recovery_codes: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'], // used once, replaced on re-enrolment
  login_limits: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'], // rate-limiter-flexible's store clears expired keys
  audit_events: ['SELECT', 'INSERT'], // append-only
  search_prices: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'], // the price list is replaced by the SUPER_ADMIN
  customer_search_prices: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'], // a customer's overrides, likewise
  user_monthly_spend: ['SELECT', 'INSERT', 'UPDATE'], // counted up and (on refunds) down
  roblox_cache: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'], // expired entries swept
  roblox_cache_leases: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'], // released by their holder
  roblox_rate_buckets: ['SELECT', 'INSERT', 'UPDATE'],
  // Payments (migration 040; decisions in 061)
  credit_packs: ['SELECT', 'INSERT', 'UPDATE'], // retired, never deleted (purchases name them)
  purchases: ['SELECT', 'INSERT', 'UPDATE'], // pending → paid / expired / refunded; kept
  purchase_refunds: ['SELECT', 'INSERT'], // a record of money returned: append-only
  stripe_events: ['SELECT', 'INSERT', 'UPDATE'], // claimed, then its outcome noted; kept so a replay stays a duplicate
  billing_accounts: ['SELECT', 'INSERT', 'UPDATE'], // card and auto top-up state
  // Grant approvals and bulk grants (050-052)
  grant_approvals: ['SELECT', 'INSERT', 'UPDATE'], // pending → approved / rejected / expired; kept
  bulk_grant_batches: ['SELECT', 'INSERT', 'UPDATE'], // booked by the job; kept
  bulk_grant_rows: ['SELECT', 'INSERT', 'UPDATE'], // each row's outcome; kept
  admin_daily_grants: ['SELECT', 'INSERT', 'UPDATE'], // counted up (and back on a rejection); kept
  // API keys (060)
  api_keys: ['SELECT', 'INSERT', 'UPDATE'], // revoked and last-used by UPDATE; kept for the audit log
  // The Overview's counters (055; decisions in 080): moved only by the owner-run counting trigger and roll-up
  credit_daily_usage: ['SELECT'],
  credit_customer_usage: ['SELECT'],
  credit_platform_daily: ['SELECT'],
  // Webhooks, the outbox and notifications (070-073; decisions in 080)
  webhooks: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'], // an endpoint is deleted by its owner (its deliveries by the cascade)
  outbox_events: ['SELECT', 'INSERT'], // an event as it happened: append-only
  webhook_deliveries: ['SELECT', 'INSERT', 'UPDATE'], // attempted and retried; kept
  notifications: ['SELECT', 'INSERT', 'UPDATE'], // marked read; kept
  email_outbox: ['SELECT', 'INSERT', 'UPDATE'], // sent or failed; kept
  credit_expiry_alerts: ['SELECT', 'INSERT'], // once per grant: append-only
  customer_stats: ['SELECT'], // view
  customer_credit_totals: ['SELECT'], // view
};

const SEQUENCES: Record<string, string[]> = {
  customers_id_seq: ['USAGE', 'SELECT'],
  users_id_seq: ['USAGE', 'SELECT'],
  searches_id_seq: ['USAGE', 'SELECT'],
  sessions_id_seq: ['USAGE', 'SELECT'],
  audit_events_id_seq: ['USAGE', 'SELECT'],
  user_recovery_codes_id_seq: ['USAGE', 'SELECT'],
  credit_transactions_id_seq: [], // taken by the ledger trigger under the customer's lock
  credit_packs_id_seq: ['USAGE', 'SELECT'],
  purchases_id_seq: ['USAGE', 'SELECT'],
  purchase_refunds_id_seq: ['USAGE', 'SELECT'],
  grant_approvals_id_seq: ['USAGE', 'SELECT'],
  bulk_grant_batches_id_seq: ['USAGE', 'SELECT'],
  api_keys_id_seq: ['USAGE', 'SELECT'],
  webhooks_id_seq: ['USAGE', 'SELECT'],
  outbox_events_id_seq: ['USAGE', 'SELECT'],
  webhook_deliveries_id_seq: ['USAGE', 'SELECT'],
  notifications_id_seq: ['USAGE', 'SELECT'],
  email_outbox_id_seq: ['USAGE', 'SELECT'],
};

let t: TestDatabase;
let customerId: number;

beforeAll(async () => {
  t = await createTestDb();
  const { rows } = await t.db.query<{ id: number }>('INSERT INTO customers (name) VALUES ($1) RETURNING id', [unique('Role')]);
  customerId = rows[0]!.id;
  await addCredits(t.db, { customerId, userId: null, type: 'purchase', amount: 100, description: 'role test' });
});

afterAll(async () => {
  await t?.drop();
});

async function privilegesOf(q: Queryable, kind: 'table' | 'sequence') {
  const relkinds = kind === 'table' ? `('r', 'p', 'v', 'm', 'f')` : `('S')`;
  const privs = kind === 'table' ? PRIVILEGES : ['USAGE', 'SELECT', 'UPDATE'];
  const check = kind === 'table' ? 'has_table_privilege' : 'has_sequence_privilege';
  const { rows } = await q.query<{ name: string; owner: string; privs: string[] }>(
    `SELECT c.relname AS name, pg_get_userbyid(c.relowner) AS owner,
            ARRAY(SELECT p FROM unnest($1::text[]) p WHERE ${check}($2, c.oid, p)) AS privs
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ${relkinds}
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
      ORDER BY 1`,
    [privs, ROLE],
  );
  return rows;
}

describe('the run-time role roblox_tool_app', () => {
  it('exists, cannot log in, and holds no special power', async () => {
    const { rows } = await t.db.query<Record<string, boolean>>(
      `SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolbypassrls, rolreplication FROM pg_roles WHERE rolname = $1`,
      [ROLE],
    );
    expect(rows).toEqual([{ rolcanlogin: false, rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolbypassrls: false, rolreplication: false }]);
  });

  it('has exactly the listed privileges on every table and view, owns none, and every relation has a decision', async () => {
    const actual = await privilegesOf(t.db, 'table');
    const undecided = actual.map((r) => r.name).filter((n) => !(n in EXPECTED));
    expect(undecided, 'tables without a privilege decision in tests/integration/app-role.test.ts').toEqual([]);
    expect(Object.fromEntries(actual.map((r) => [r.name, r.privs]))).toEqual(EXPECTED);
    expect(actual.filter((r) => r.owner === ROLE)).toEqual([]);
  });

  it('has exactly the listed privileges on every sequence', async () => {
    const actual = await privilegesOf(t.db, 'sequence');
    expect(Object.fromEntries(actual.map((r) => [r.name, r.privs]))).toEqual(SEQUENCES);
  });

  it('a table the owner creates later gets the row privileges by default (and must then be listed above)', async () => {
    const name = unique('later_table');
    await t.db.exec(`CREATE TABLE ${name} (id serial PRIMARY KEY)`);
    try {
      const row = (await privilegesOf(t.db, 'table')).find((r) => r.name === name);
      expect(row?.privs).toEqual(['SELECT', 'INSERT', 'UPDATE', 'DELETE']);
      const seq = (await privilegesOf(t.db, 'sequence')).find((r) => r.name === `${name}_id_seq`);
      expect(seq?.privs).toEqual(['USAGE', 'SELECT']);
    } finally {
      await t.db.exec(`DROP TABLE ${name}`);
    }
  });
});

/** The attacks a compromised app connection would try; each must fail and change nothing. */
const ATTACKS: Array<[string, (customerId: number) => string, RegExp]> = [
  ['SET session_replication_role = replica (triggers off)', () => 'SET session_replication_role = replica', /permission denied/],
  ['ALTER TABLE … DISABLE TRIGGER', () => 'ALTER TABLE credit_transactions DISABLE TRIGGER credit_transactions_no_update', /must be owner/],
  ['UPDATE of the ledger', (c) => `UPDATE credit_transactions SET amount = amount * 2 WHERE customer_id = ${c}`, /permission denied/],
  ['DELETE from the ledger', (c) => `DELETE FROM credit_transactions WHERE customer_id = ${c}`, /permission denied/],
  ['TRUNCATE of the ledger', () => 'TRUNCATE credit_transactions', /permission denied/],
  ['TRUNCATE of the accounts', () => 'TRUNCATE customer_credits', /permission denied/],
  ['UPDATE of a balance', (c) => `UPDATE customer_credits SET balance = 1000000 WHERE customer_id = ${c}`, /permission denied/],
  ['UPDATE of a grant\'s remainder', (c) => `UPDATE credit_grants SET remaining = amount WHERE customer_id = ${c}`, /permission denied/],
  ['INSERT of an allocation', (c) => `INSERT INTO credit_allocations (transaction_id, grant_id, customer_id, amount) SELECT id, id, ${c}, 1 FROM credit_grants WHERE customer_id = ${c} LIMIT 1`, /permission denied/],
  ['UPDATE of the audit log', () => `UPDATE audit_events SET action = 'user.nothing'`, /permission denied/],
  ['DELETE from the audit log', () => 'DELETE FROM audit_events', /permission denied/],
  ['TRUNCATE of the audit log', () => 'TRUNCATE audit_events', /permission denied/],
  ['TRUNCATE of the grants', () => 'TRUNCATE credit_grants', /permission denied/],
  ['the migration backfill (it disables triggers)', () => 'SELECT credit_ledger_backfill()', /permission denied/],
  ['DDL: CREATE TABLE', () => 'CREATE TABLE stolen (x int)', /permission denied/],
  ['DDL: DROP TRIGGER', () => 'DROP TRIGGER credit_transactions_apply ON credit_transactions', /must be owner/],
  ['DDL: CREATE OR REPLACE a ledger function', () => "CREATE OR REPLACE FUNCTION credit_transactions_forbid_change() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'", /must be owner|permission denied for schema/],
];

/** The app's own connection: a login role that is a member of roblox_tool_app. */
async function asApp(): Promise<{ q: Queryable; end(): Promise<void> }> {
  if (!onPostgres) {
    // PGlite has one session: become the role, and come back afterwards.
    await t.db.exec(`SET ROLE ${ROLE}`);
    return { q: t.db, end: () => t.db.exec('RESET ROLE') };
  }
  const login = unique('rt_app_login');
  await t.db.exec(`CREATE ROLE ${login} LOGIN IN ROLE ${ROLE}`);
  const url = new URL(t.url!);
  url.username = login;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  return {
    q: {
      query: async (sql, params) => {
        const r = await client.query(sql, params as unknown[]);
        return { rows: r.rows, rowCount: r.rowCount ?? 0 };
      },
      exec: async (sql) => {
        await client.query(sql);
      },
    },
    async end() {
      await client.end();
      await t.db.exec(`DROP OWNED BY ${login}; DROP ROLE ${login}`);
    },
  };
}

describe('a database that had the later tables before the app role (035, 061 and 080 applied after 040-073)', () => {
  it('ends with the same privileges as a new one, and the ledger trigger runs as the owner', async () => {
    // What a database migrated before migration 035 existed holds: every migration but 035, 061 and 080.
    const earlier = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-migrations-'));
    for (const m of loadMigrations()) {
      if ([35, 61, 80].includes(m.version)) continue;
      const file = `${String(m.version).padStart(3, '0')}_${m.name}.sql`;
      fs.copyFileSync(path.join(migrationsDir(), file), path.join(earlier, file));
    }
    const upgraded = await createTestDb({ migrateTo: 'none' });
    try {
      await migrate(upgraded.db, { dir: earlier });
      expect(await migrate(upgraded.db)).toEqual([35, 61, 80]);
      for (const kind of ['table', 'sequence'] as const) {
        expect(await privilegesOf(upgraded.db, kind)).toEqual(await privilegesOf(t.db, kind));
      }
      const definer = `SELECT proname, prosecdef FROM pg_proc WHERE proname = 'credit_transactions_apply'`;
      expect((await upgraded.db.query(definer)).rows).toEqual([{ proname: 'credit_transactions_apply', prosecdef: true }]);
      expect((await t.db.query(definer)).rows).toEqual([{ proname: 'credit_transactions_apply', prosecdef: true }]);
    } finally {
      await upgraded.drop();
      fs.rmSync(earlier, { recursive: true, force: true });
    }
  });
});

describe("the app's connection cannot get round the ledger's guards", () => {
  it.each(ATTACKS)('%s fails', async (_name, sql, error) => {
    const before = await t.db.query('SELECT balance, total_purchased FROM customer_credits WHERE customer_id = $1', [customerId]);
    const rows = await t.db.query('SELECT count(*)::int AS n FROM credit_transactions WHERE customer_id = $1', [customerId]);
    const grants = await t.db.query('SELECT id, remaining FROM credit_grants WHERE customer_id = $1 ORDER BY id', [customerId]);
    const audit = await t.db.query('SELECT count(*)::int AS n, max(id) AS last FROM audit_events');
    const app = await asApp();
    try {
      await expect(app.q.exec(sql(customerId))).rejects.toThrow(error);
    } finally {
      await app.end();
    }
    expect((await t.db.query('SELECT balance, total_purchased FROM customer_credits WHERE customer_id = $1', [customerId])).rows).toEqual(before.rows);
    expect((await t.db.query('SELECT count(*)::int AS n FROM credit_transactions WHERE customer_id = $1', [customerId])).rows).toEqual(rows.rows);
    expect((await t.db.query('SELECT id, remaining FROM credit_grants WHERE customer_id = $1 ORDER BY id', [customerId])).rows).toEqual(grants.rows);
    expect((await t.db.query('SELECT count(*)::int AS n, max(id) AS last FROM audit_events')).rows).toEqual(audit.rows);
  });

  it('while what the app does at run time works: a ledger insert moves the balance through the trigger', async () => {
    const app = await asApp();
    try {
      const t1 = await addCredits(app.q, { customerId, userId: null, type: 'admin_grant', amount: 5, description: 'as the app role' });
      expect(Number(t1.balanceAfter)).toBe(Number(t1.balanceBefore) + 5); // a raw pg client: int8 as text
      const { rows } = await app.q.query<{ id: number }>('INSERT INTO customers (name) VALUES ($1) RETURNING id', [unique('Made by app')]);
      const counters = await app.q.query('SELECT user_count FROM customer_counters WHERE customer_id = $1', [rows[0]!.id]);
      expect(counters.rows).toEqual([{ user_count: 0 }]);
      // Ledger v2 as the app uses it: a soft debit drawing on the grants, due expiries booked, an audit row.
      const debit = await app.q.query<{ amount: string }>(`SELECT amount FROM credit_debit($1, NULL, 'usage', 3, 'as the app role', NULL)`, [customerId]);
      expect(Number(debit.rows[0]!.amount)).toBe(-3);
      await app.q.query('SELECT credit_book_expiries($1)', [customerId]);
      await app.q.query(`INSERT INTO audit_events (action, customer_id) VALUES ('credit.test_as_app', $1)`, [customerId]);
      const grants = await t.db.query<{ remaining: string }>('SELECT sum(remaining)::text AS remaining FROM credit_grants WHERE customer_id = $1', [customerId]);
      const account = await t.db.query<{ balance: string }>('SELECT balance::text FROM customer_credits WHERE customer_id = $1', [customerId]);
      expect(grants.rows[0]!.remaining).toBe(account.rows[0]!.balance);
    } finally {
      await app.end();
    }
  });

  it('TRUNCATE of the accounts is refused even for the owner (the guard trigger)', async () => {
    await expect(t.db.exec('TRUNCATE customer_credits CASCADE')).rejects.toThrow(/cannot be truncated/);
  });
});

describe.runIf(onPostgres)("pg-boss's schema (the background jobs)", () => {
  it('is prepared by the owner; the app role may use its rows but create nothing there and truncate nothing', async () => {
    await prepareJobs(t.db, SERVER_JOBS);
    const { rows } = await t.db.query<{ usage: boolean; create: boolean; truncate: string[]; missing: string[] }>(
      `SELECT has_schema_privilege($1, 'pgboss', 'USAGE') AS usage, has_schema_privilege($1, 'pgboss', 'CREATE') AS create,
              ARRAY(SELECT c.relname::text FROM pg_class c WHERE c.relnamespace = 'pgboss'::regnamespace AND c.relkind IN ('r', 'p')
                      AND has_table_privilege($1, c.oid, 'TRUNCATE')) AS truncate,
              ARRAY(SELECT c.relname::text FROM pg_class c WHERE c.relnamespace = 'pgboss'::regnamespace AND c.relkind IN ('r', 'p')
                      AND NOT has_table_privilege($1, c.oid, 'SELECT, INSERT, UPDATE, DELETE')) AS missing`,
      [ROLE],
    );
    expect(rows).toEqual([{ usage: true, create: false, truncate: [], missing: [] }]);
    const app = await asApp();
    try {
      await expect(app.q.exec('CREATE TABLE pgboss.stolen (x int)')).rejects.toThrow(/permission denied/);
      await expect(app.q.exec('TRUNCATE pgboss.job')).rejects.toThrow(/permission denied/);
      const queued = await app.q.query<{ n: number }>('SELECT count(*)::int AS n FROM pgboss.queue WHERE name = $1', [SERVER_JOBS[0]!.name]);
      expect(queued.rows).toEqual([{ n: 1 }]);
    } finally {
      await app.end();
    }
  });
});

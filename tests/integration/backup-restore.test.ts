/**
 * Backup and restore on PostgreSQL (docs/BACKUP.md): a migrated database with a realistic ledger is
 * dumped with `pg_dump -Fc` and restored with `pg_restore` into a new database, and dumped as plain
 * SQL and replayed with `psql -v ON_ERROR_STOP=1`. On each restored copy:
 *   - every table has the same rows (count and content fingerprint), every sequence the same value;
 *   - the same triggers and indexes exist;
 *   - every ledger invariant holds (balance = Σ amount = newest balance_after = Σ remaining of
 *     the grants, a gap-free chain, the totals identity, allocations, the hash chain);
 *   - the audit trail is still append-only (UPDATE, DELETE, TRUNCATE refused) and balances still
 *     move only through the ledger;
 *   - a new ledger row still moves the balance (the trigger is live) and continues the chain;
 *   - schema_migrations is intact, so migrate() applies nothing.
 * Every database created here is dropped at the end. PostgreSQL only (TEST_DATABASE_URL).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCredits, bookAdminGrant, guideTransaction, consumeCredits, InsufficientCreditsError } from '@/app/lib/credits';
import { createCustomer } from '@/app/lib/customers';
import { migrate } from '@/app/lib/db/migrate';
import { openPostgres } from '@/app/lib/db/postgres';
import type { Db } from '@/app/lib/db/types';
import { idempotent } from '@/app/lib/http/idempotency';
import { createUser } from '@/app/lib/users';
import { createPostgresDatabase, unique } from '../support/db';
import { onPostgres } from '../support/env';
import { LEDGER_INVARIANTS } from '../support/ledger-invariants';

const run = promisify(execFile);

/** The invariant queries of docs/BACKUP.md (tests/support/ledger-invariants.ts): each returns the offending rows, so empty means sound. */
const INVARIANTS = LEDGER_INVARIANTS;

interface Fingerprint {
  tables: Record<string, { rows: number; md5: string }>;
  sequences: Record<string, string>;
  triggers: string[];
  indexes: string[];
  migrations: Array<{ version: number; name: string; checksum: string }>;
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Everything a restore must reproduce: rows (count and content), sequences, triggers, indexes, migrations. */
function fingerprint(url: string): Promise<Fingerprint> {
  return withClient(url, async (c) => {
    const { rows: tableRows } = await c.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
    );
    const tables: Fingerprint['tables'] = {};
    for (const { name } of tableRows) {
      const { rows } = await c.query<{ rows: number; md5: string }>(
        `SELECT count(*)::int AS rows, md5(COALESCE(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS md5 FROM ${pg.escapeIdentifier(name)} t`,
      );
      tables[name] = rows[0]!;
    }
    const sequences: Record<string, string> = {};
    const { rows: seqs } = await c.query<{ name: string }>(`SELECT sequence_name AS name FROM information_schema.sequences WHERE sequence_schema = 'public' ORDER BY 1`);
    for (const { name } of seqs) {
      const { rows } = await c.query<{ v: string }>(`SELECT last_value || ':' || is_called AS v FROM ${pg.escapeIdentifier(name)}`);
      sequences[name] = rows[0]!.v;
    }
    const triggers = (
      await c.query<{ t: string }>(
        `SELECT tgrelid::regclass || '.' || tgname || ' ' || pg_get_triggerdef(oid) AS t FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1`,
      )
    ).rows.map((r) => r.t);
    const indexes = (await c.query<{ d: string }>(`SELECT indexdef AS d FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1`)).rows.map((r) => r.d);
    const migrations = (await c.query(`SELECT version, name, checksum FROM schema_migrations ORDER BY version`)).rows;
    return { tables, sequences, triggers, indexes, migrations };
  });
}

/** A deterministic pseudo-random sequence, so a failure can be replayed. */
function lcg(seed: number) {
  let x = seed >>> 0;
  return (n: number) => {
    x = (Math.imul(x, 1_664_525) + 1_013_904_223) >>> 0;
    return x % n;
  };
}

/**
 * Customers with users, admin grants (some with Idempotency-Keys), purchases, usage, refunds,
 * adjustments and look-ups: the shapes of row a production ledger holds.
 */
async function buildLedger(db: Db): Promise<{ customers: number[]; transactions: number }> {
  const platform = { id: 0, username: 'backup-test', role: 'SUPER_ADMIN' as const, customerId: null };
  const root = await createUser(db, platform, { username: unique('root'), password: 'backup-test-password', role: 'SUPER_ADMIN' });
  const admin = { id: root.id, username: root.username };
  const rand = lcg(20_240_531);
  const customers: number[] = [];
  let transactions = 0;
  for (let i = 0; i < 6; i++) {
    const c = await createCustomer(db, admin, {
      name: `${unique('Backup')} ${["O'Brien & Co", 'Müller GmbH', '株式会社', 'Plain'][i % 4]}`,
      contactEmail: i % 2 ? `ops${i}@example.com` : null,
      maxUsers: 5 + i,
      status: i === 5 ? 'inactive' : 'active',
    });
    customers.push(c.id);
    const users = [];
    for (const role of ['CUSTOMER_ADMIN', 'USER', 'USER'] as const) {
      users.push(await createUser(db, platform, { username: unique(`b${i}${role[0]}`), password: 'backup-test-password', role, customerId: c.id }));
    }
    if (i === 4) continue; // a customer that never had credits
    let used = 0;
    for (let op = 0; op < 30; op++) {
      const user = users[rand(users.length)]!;
      const kind = rand(10);
      if (kind < 2) {
        const key = rand(2) ? `grant-${c.id}-${op}` : null;
        const input = { customerId: c.id, amount: 1 + rand(500), description: `Grant ${op}` };
        if (key) await idempotent(db, { userId: admin.id, key, endpoint: 'credits.add', request: input }, async (tx) => ({ status: 200, body: guideTransaction(await bookAdminGrant(tx, admin, input)) }));
        else await bookAdminGrant(db, admin, input);
        transactions++;
      } else if (kind < 3) {
        await addCredits(db, { customerId: c.id, userId: null, type: 'purchase', amount: 100 * (1 + rand(5)), description: `Stripe ${op}`, paymentId: `pi_${c.id}_${op}` });
        transactions++;
      } else if (kind < 8) {
        const amount = 1 + rand(40);
        try {
          await db.transaction(async (tx) => {
            const { rows } = await tx.query<{ id: number }>(
              `INSERT INTO searches (customer_id, user_id, query, search_type, status, credits_charged, result_count, duration_ms)
               VALUES ($1, $2, $3, 'keyword', 'success', $4, 3, 120) RETURNING id`,
              [c.id, user.id, `query ${op}`, amount],
            );
            await consumeCredits(tx, { customerId: c.id, userId: user.id, amount, description: `Look-up #${rows[0]!.id}` });
          });
          used += amount;
          transactions++;
        } catch (err) {
          if (!(err instanceof InsufficientCreditsError)) throw err;
        }
      } else if (kind < 9 && used > 0) {
        const amount = 1 + rand(Math.min(used, 20));
        await addCredits(db, { customerId: c.id, userId: user.id, type: 'refund', amount, description: `Refund ${op}` });
        used -= amount;
        transactions++;
      } else {
        await addCredits(db, { customerId: c.id, userId: admin.id, type: 'adjustment', amount: 1 + rand(9), description: `Adjustment ${op}` });
        transactions++;
      }
    }
  }
  return { customers, transactions };
}

async function sh(cmd: string, args: string[]): Promise<void> {
  try {
    await run(cmd, args, { maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.filter((a) => !a.startsWith('postgres')).join(' ')} failed: ${e.stderr || e.message}`);
  }
}

describe.skipIf(!onPostgres)('backup and restore (PostgreSQL)', () => {
  const dropLater: Array<() => Promise<void>> = [];
  const closeLater: Db[] = [];
  let tmp: string;
  let sourceUrl: string;
  let source: Fingerprint;
  let built: { customers: number[]; transactions: number };

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-backup-'));
    const created = await createPostgresDatabase();
    dropLater.push(created.drop);
    sourceUrl = created.url;
    const db = openPostgres(sourceUrl, { max: 4 });
    closeLater.push(db);
    await migrate(db);
    built = await buildLedger(db);
    source = await fingerprint(sourceUrl);
  });

  afterAll(async () => {
    for (const db of closeLater) await db.close().catch(() => undefined);
    for (const drop of dropLater) await drop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('the source is a realistic, sound ledger', async () => {
    expect(built.transactions).toBeGreaterThan(60);
    expect(source.tables.credit_transactions!.rows).toBe(built.transactions);
    const types = await withClient(sourceUrl, async (c) => (await c.query(`SELECT DISTINCT type FROM credit_transactions ORDER BY 1`)).rows.map((r) => r.type));
    expect(types).toEqual(['adjustment', 'admin_grant', 'purchase', 'refund', 'usage']);
    expect(source.tables.idempotency_keys!.rows).toBeGreaterThan(0);
    expect(source.tables.searches!.rows).toBeGreaterThan(0);
    await withClient(sourceUrl, async (c) => {
      for (const [name, sql] of Object.entries(INVARIANTS)) expect((await c.query(sql)).rows, name).toEqual([]);
    });
  });

  /** Everything a restored copy must prove. */
  async function verifyRestored(url: string): Promise<void> {
    // Same rows, sequences, triggers, indexes and migrations as the source.
    const restored = await fingerprint(url);
    expect(Object.keys(restored.tables)).toEqual(Object.keys(source.tables));
    for (const [table, fp] of Object.entries(source.tables)) expect(restored.tables[table], table).toEqual(fp);
    expect(restored.sequences).toEqual(source.sequences);
    expect(restored.triggers).toEqual(source.triggers);
    expect(restored.indexes).toEqual(source.indexes);
    expect(restored.migrations).toEqual(source.migrations);

    await withClient(url, async (c) => {
      // Every invariant.
      for (const [name, sql] of Object.entries(INVARIANTS)) expect((await c.query(sql)).rows, name).toEqual([]);
      // Constraints came back validated.
      const unvalidated = await c.query(`SELECT conname FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND NOT convalidated`);
      expect(unvalidated.rows).toEqual([]);

      // The audit trail is append-only, and balances change only through it.
      const refused = async (sql: string) => {
        const err = await c.query(sql).then(
          () => null,
          (e: { code?: string; message: string }) => e,
        );
        expect(err, `${sql} must be refused`).not.toBeNull();
        return err!;
      };
      expect((await refused('UPDATE credit_transactions SET amount = amount + 1 WHERE id = (SELECT min(id) FROM credit_transactions)')).message).toMatch(/append-only/);
      expect((await refused('DELETE FROM credit_transactions WHERE id = (SELECT max(id) FROM credit_transactions)')).message).toMatch(/append-only/);
      expect((await refused('TRUNCATE credit_transactions')).message).toMatch(/append-only/);
      expect((await refused(`UPDATE customer_credits SET balance = balance + 1000 WHERE customer_id = ${built.customers[0]}`)).code).toBe('23001');
      expect((await refused(`DELETE FROM customer_credits WHERE customer_id = ${built.customers[0]}`)).code).toBe('23001');
      expect((await c.query('SELECT count(*)::int AS n FROM credit_transactions')).rows[0].n).toBe(source.tables.credit_transactions!.rows);
    });

    // The ledger trigger is live: new rows move balances and continue each chain.
    const db = openPostgres(url, { max: 2 });
    try {
      const customerId = built.customers[0]!;
      const before = await db.query<{ balance: number; max_id: number }>(
        `SELECT cc.balance, (SELECT max(id) FROM credit_transactions) AS max_id FROM customer_credits cc WHERE customer_id = $1`,
        [customerId],
      );
      const { balance, max_id } = before.rows[0]!;
      const added = await addCredits(db, { customerId, userId: null, type: 'purchase', amount: 25, description: 'after restore' });
      expect(added).toMatchObject({ balanceBefore: balance, balanceAfter: balance + 25 });
      expect(added.id).toBeGreaterThan(max_id);
      const spent = await consumeCredits(db, { customerId, userId: null, amount: 5, description: 'after restore' });
      expect(spent).toMatchObject({ balanceBefore: balance + 25, balanceAfter: balance + 20 });
      await expect(consumeCredits(db, { customerId, userId: null, amount: 1_000_000_000, description: 'overdraw' })).rejects.toBeInstanceOf(InsufficientCreditsError);
      // A new customer gets its credit account from the restored trigger.
      const fresh = await createCustomer(db, { id: 0, username: 'backup-test' }, { name: unique('After restore') });
      expect(fresh.creditBalance).toBe(0);
      await addCredits(db, { customerId: fresh.id, userId: null, type: 'purchase', amount: 3, description: 'first' });
      for (const [name, sql] of Object.entries(INVARIANTS)) expect((await db.query(sql)).rows, name).toEqual([]);
      // Nothing to migrate: schema_migrations came back whole (versions and checksums).
      expect(await migrate(db)).toEqual([]);
    } finally {
      await db.close();
    }
  }

  it('pg_dump -Fc → pg_restore --no-owner --single-transaction into a new database: identical and sound', async () => {
    const file = path.join(tmp, 'ledger.dump');
    await sh('pg_dump', ['-Fc', '--no-owner', '-f', file, '-d', sourceUrl]);
    expect(fs.statSync(file).size).toBeGreaterThan(1_000);
    const target = await createPostgresDatabase();
    dropLater.push(target.drop);
    await sh('pg_restore', ['--no-owner', '--exit-on-error', '--single-transaction', '-d', target.url, file]);
    await verifyRestored(target.url);
  });

  it('plain-SQL pg_dump → psql -v ON_ERROR_STOP=1 --single-transaction -f into a new database: identical and sound', async () => {
    const file = path.join(tmp, 'ledger.sql');
    await sh('pg_dump', ['--no-owner', '--no-privileges', '-f', file, '-d', sourceUrl]);
    const sql = fs.readFileSync(file, 'utf8');
    expect(sql).toMatch(/CREATE TRIGGER credit_transactions_no_update/);
    const target = await createPostgresDatabase();
    dropLater.push(target.drop);
    await sh('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction', '-d', target.url, '-f', file]);
    await verifyRestored(target.url);
  });

  it('pg_restore --single-transaction of a dump into a database that already has the schema fails as a whole, changing nothing', async () => {
    // Restoring over a live database is not a restore: it must fail loudly, not merge two ledgers.
    const file = path.join(tmp, 'again.dump');
    await sh('pg_dump', ['-Fc', '--no-owner', '-f', file, '-d', sourceUrl]);
    const target = await createPostgresDatabase();
    dropLater.push(target.drop);
    const db = openPostgres(target.url, { max: 1 });
    try {
      await migrate(db);
    } finally {
      await db.close();
    }
    const before = await fingerprint(target.url);
    await expect(sh('pg_restore', ['--no-owner', '--exit-on-error', '--single-transaction', '-d', target.url, file])).rejects.toThrow(/already exists/);
    expect(await fingerprint(target.url)).toEqual(before);
  });
});

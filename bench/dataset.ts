import type { Queryable } from '@/app/lib/db';

/**
 * The admin-list data set, built with set-based SQL (generate_series) in a few statements.
 *
 * Full size: 100,000 customers, 300,000 users (3 each: one CUSTOMER_ADMIN, two USERs),
 * 2,000,000 credit transactions over 90 days and 1,000,000 searches. `scale` shrinks all four
 * together (0.1 = the "10× smaller" growth point).
 *
 * The ledger's per-row trigger would take minutes for 2M rows, so the load runs with
 * session_replication_role = replica (triggers off) and writes what the triggers would have
 * written, set-based: every row's balance_before/balance_after chain, customer_credits as the
 * sums of each customer's rows, customer_counters as counts. `verifyDataset` re-checks the
 * ledger invariants afterwards, so the shortcut can't hide a broken data set.
 *
 * Shape: customer 1 is a "whale" holding 5% of all transactions (its audit trail has 100,000
 * rows at full size); the others share the rest evenly (~19 each). Every 10th customer is
 * inactive. Names are "<Word> <Word> <id>" from 40 × 20 words, so a one-word search matches
 * ~2.5% of customers. Every 4th admin grant expires within 120 days; every 50th customer has just
 * spent all but 5 credits (the Overview's expiring credits and customers running low).
 */

export interface DatasetSize {
  customers: number;
  users: number;
  transactions: number;
  searches: number;
}

export function datasetSize(scale: number): DatasetSize {
  return {
    customers: Math.round(100_000 * scale),
    users: Math.round(300_000 * scale),
    transactions: Math.round(2_000_000 * scale),
    searches: Math.round(1_000_000 * scale),
  };
}

const WORDS1 = [
  'Acme', 'Globex', 'Initech', 'Umbrella', 'Stark', 'Wayne', 'Wonka', 'Tyrell', 'Cyberdyne', 'Soylent',
  'Hooli', 'Vandelay', 'Pied', 'Aperture', 'Black', 'Blue', 'Bright', 'Cobalt', 'Crimson', 'Delta',
  'Echo', 'Falcon', 'Golden', 'Harbor', 'Iron', 'Jade', 'Kepler', 'Lunar', 'Maple', 'Nimbus',
  'Orion', 'Pixel', 'Quantum', 'Rocket', 'Silver', 'Titan', 'Union', 'Vertex', 'Willow', 'Zenith',
];
const WORDS2 = [
  'Games', 'Studios', 'Labs', 'Interactive', 'Works', 'Media', 'Digital', 'Entertainment', 'Systems', 'Group',
  'Arcade', 'Academy', 'Club', 'Guild', 'Collective', 'Partners', 'Ventures', 'Network', 'Play', 'Worlds',
];
const sqlArray = (words: string[]) => `ARRAY[${words.map((w) => `'${w}'`).join(', ')}]`;

/** The password every generated user has (its argon2id hash is computed once per run). */
export const DATASET_PASSWORD = 'bench-password';

/** Username of generated user number n (1-based): users 3(c-1)+1 … 3c belong to customer c. */
export const datasetUsername = (n: number) => `bench_${String(n).padStart(7, '0')}`;

async function timed(log: (line: string) => void, what: string, fn: () => Promise<unknown>) {
  const t = Date.now();
  await fn();
  log(`  ${what}: ${((Date.now() - t) / 1000).toFixed(1)} s`);
}

/**
 * Loads the data set into a freshly migrated, empty database. `q` must be a single connection
 * (session_replication_role is a session setting). Returns seconds taken.
 */
export async function buildDataset(
  q: Queryable,
  size: DatasetSize,
  passwordHash: string,
  log: (line: string) => void = () => {},
): Promise<number> {
  const started = Date.now();
  const NC = size.customers;
  const NU = size.users;
  const NT = size.transactions;
  const NS = size.searches;
  if (NU !== NC * 3) throw new Error('the data set has 3 users per customer');
  await q.exec(`SET session_replication_role = replica; SET work_mem = '256MB'; SET maintenance_work_mem = '512MB'`);

  // Secondary indexes are dropped during the load and rebuilt after (one sort each instead of
  // millions of random insertions); their definitions are read back from the catalog, so the
  // rebuilt schema is exactly the migrated one.
  const { rows: indexes } = await q.query<{ name: string; def: string }>(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
       FROM pg_index i
      WHERE i.indrelid IN ('credit_transactions'::regclass, 'searches'::regclass, 'users'::regclass, 'customers'::regclass)
        AND NOT i.indisprimary AND NOT i.indisunique`,
  );
  for (const ix of indexes) await q.exec(`DROP INDEX ${ix.name}`);

  await timed(log, `customers (${NC})`, async () => {
    await q.exec(`
      INSERT INTO customers (id, name, status, contact_email, max_users, created_at, updated_at)
      SELECT g,
             (${sqlArray(WORDS1)})[1 + (g * 7) % ${WORDS1.length}] || ' ' || (${sqlArray(WORDS2)})[1 + (g / 3) % ${WORDS2.length}] || ' ' || g,
             CASE WHEN g % 10 = 0 THEN 'inactive' ELSE 'active' END,
             'billing' || g || '@example.com',
             10,
             now() - interval '400 days' + g * (interval '399 days' / ${NC}),
             now() - interval '400 days' + g * (interval '399 days' / ${NC})
        FROM generate_series(1, ${NC}) g;
      SELECT setval('customers_id_seq', ${NC});`);
  });

  await timed(log, `users (${NU})`, async () => {
    await q.query(
      `INSERT INTO users (id, username, password_hash, role, customer_id, active, created_at)
       SELECT g, 'bench_' || lpad(g::text, 7, '0'), $1,
              CASE WHEN g % 3 = 1 THEN 'CUSTOMER_ADMIN' ELSE 'USER' END,
              (g - 1) / 3 + 1,
              g % 29 <> 0,
              now() - interval '399 days' + g * (interval '398 days' / ${NU})
         FROM generate_series(1, ${NU}) g`,
      [passwordHash],
    );
    await q.exec(`SELECT setval('users_id_seq', ${NU})`);
  });

  // One row per transaction number g: 1 in 20 goes to the whale (customer 1), the others round-robin
  // over customers 2…NC. k is the row's position in its customer's chain; the amount follows a
  // fixed pattern of k (a purchase first, then usage, refunds and admin grants), so the running
  // balance is a function of k alone: a small table `pat` holds it, no 2M-row window sort needed.
  await timed(log, `credit_transactions (${NT})`, async () => {
    await q.exec(`
      CREATE TEMP TABLE pat AS
      SELECT k, type, amount, sum(amount) OVER (ORDER BY k) AS balance_after
        FROM (SELECT k,
                     CASE WHEN k = 0 THEN 'purchase' WHEN k % 5 = 0 THEN 'admin_grant' WHEN k % 5 = 4 THEN 'refund' ELSE 'usage' END AS type,
                     CASE WHEN k = 0 THEN 1000 WHEN k % 5 = 0 THEN 100 WHEN k % 5 = 4 THEN 5 ELSE -10 END::bigint AS amount
                FROM generate_series(0, ${Math.ceil(NT / 20) + 100}) k) p;
      CREATE UNIQUE INDEX ON pat (k);
      ANALYZE pat;

      INSERT INTO credit_transactions
        (id, customer_id, user_id, type, amount, balance_before, balance_after, description, payment_id, created_at, category, priority, expires_at)
      SELECT t.g, t.c,
             CASE WHEN p.type = 'admin_grant' THEN 3 * (t.c - 1) + 1 ELSE 3 * (t.c - 1) + 2 + (t.k % 2) END,
             p.type, p.amount, p.balance_after - p.amount, p.balance_after,
             CASE p.type
               WHEN 'purchase' THEN 'Credit pack purchase'
               WHEN 'admin_grant' THEN '[ADMIN] Monthly allowance (Added by: bench_' || lpad((3 * (t.c - 1) + 1)::text, 7, '0') || ')'
               WHEN 'refund' THEN 'Refund for look-up #' || t.g || ': Roblox is unavailable'
               ELSE 'Look-up #' || t.g || ' (keyword): player' || (t.g % 1000)
             END,
             CASE p.type
               WHEN 'purchase' THEN 'pi_' || md5(t.g::text)
               WHEN 'admin_grant' THEN 'MANUAL_ADMIN_' || (3 * (t.c - 1) + 1) || '_' || (1700000000000 + t.g)
             END,
             now() - interval '90 days' + t.g * (interval '90 days' / ${NT}),
             CASE p.type WHEN 'purchase' THEN 'paid' WHEN 'admin_grant' THEN 'promotional' END,
             CASE WHEN p.type IN ('purchase', 'admin_grant') THEN 100 END,
             -- every 4th admin grant expires, over the next 120 days (the Overview's "expiring in 30 days")
             CASE WHEN p.type = 'admin_grant' AND t.g % 4 = 0 THEN now() + (1 + t.g % 120) * interval '1 day' + (t.g % 86400) * interval '1 second' END
        FROM (SELECT g,
                     CASE WHEN g % 20 = 0 THEN 1 ELSE 2 + (g - g / 20 - 1) % ${NC - 1} END AS c,
                     CASE WHEN g % 20 = 0 THEN g / 20 - 1 ELSE (g - g / 20 - 1) / ${NC - 1} END AS k
                FROM generate_series(1, ${NT}) g) t
        JOIN pat p ON p.k = t.k;
      SELECT setval('credit_transactions_id_seq', ${NT});`);
  });

  await timed(log, `searches (${NS})`, async () => {
    await q.exec(`
      INSERT INTO searches (id, customer_id, user_id, query, search_type, status, result_count, credits_charged, duration_ms, created_at)
      SELECT g, c, 3 * (c - 1) + 2 + (g % 2),
             'player' || (g % 1000),
             CASE WHEN g % 7 = 0 THEN 'profile' ELSE 'keyword' END,
             CASE WHEN g % 50 = 0 THEN 'refunded' ELSE 'success' END,
             CASE WHEN g % 50 = 0 THEN NULL ELSE g % 11 END,
             1, 80 + g % 400,
             now() - interval '90 days' + g * (interval '90 days' / ${NS})
        FROM (SELECT g, 1 + (g - 1) % ${NC} AS c FROM generate_series(1, ${NS}) g) s;
      SELECT setval('searches_id_seq', ${NS});`);
  });

  // What the triggers would have maintained, computed from the rows themselves.
  await timed(log, 'customer_credits and customer_counters', async () => {
    await q.exec(`
      INSERT INTO customer_credits (customer_id, balance, total_purchased, total_used, total_paid, total_promotional, total_refunded, updated_at)
      SELECT c.id, coalesce(t.balance, 0), coalesce(t.purchased, 0), coalesce(t.used, 0), coalesce(t.paid, 0),
             coalesce(t.purchased, 0) - coalesce(t.paid, 0), coalesce(t.refunded, 0), coalesce(t.last_at, c.created_at)
        FROM customers c
        LEFT JOIN (SELECT customer_id,
                          sum(amount) AS balance,
                          sum(amount) FILTER (WHERE amount > 0 AND type <> 'refund') AS purchased,
                          sum(amount) FILTER (WHERE type = 'purchase') AS paid,
                          sum(amount) FILTER (WHERE type = 'refund') AS refunded,
                          coalesce(sum(-amount) FILTER (WHERE amount < 0), 0) - coalesce(sum(amount) FILTER (WHERE type = 'refund'), 0) AS used,
                          max(created_at) AS last_at
                     FROM credit_transactions GROUP BY customer_id) t ON t.customer_id = c.id;
      INSERT INTO customer_counters (customer_id, user_count, active_user_count, search_count)
      SELECT c.id, coalesce(u.n, 0), coalesce(u.active, 0), coalesce(s.n, 0)
        FROM customers c
        LEFT JOIN (SELECT customer_id, count(*) AS n, count(*) FILTER (WHERE active) AS active FROM users GROUP BY customer_id) u
          ON u.customer_id = c.id
        LEFT JOIN (SELECT customer_id, count(*) AS n FROM searches GROUP BY customer_id) s ON s.customer_id = c.id;`);
  });

  // Every 50th customer spends all but 5 credits in one look-up now: 2% of customers running low,
  // more than the 500 the running-low list checks (so the Overview's worst case is what is measured).
  await timed(log, 'customers running low', async () => {
    await q.exec(`
      INSERT INTO credit_transactions (id, customer_id, user_id, type, amount, balance_before, balance_after, description, created_at)
      SELECT ${NT} + row_number() OVER (ORDER BY cc.customer_id), cc.customer_id, 3 * (cc.customer_id - 1) + 2, 'usage',
             5 - cc.balance, cc.balance, 5, 'Look-up (bulk): a large export', now()
        FROM customer_credits cc WHERE cc.customer_id % 50 = 7 AND cc.balance > 5;
      UPDATE customer_credits SET total_used = total_used + balance - 5, balance = 5 WHERE customer_id % 50 = 7 AND balance > 5;
      SELECT setval('credit_transactions_id_seq', (SELECT max(id) FROM credit_transactions));`);
  });

  await timed(log, `indexes (${indexes.length} rebuilt)`, async () => {
    for (const ix of indexes) await q.exec(ix.def);
  });
  // What the ledger trigger would have derived for each row: grants (remaining: the balance, newest
  // grant first), grant terms, running totals and the hash chain (migration 020's backfill).
  await timed(log, 'ledger v2 backfill (grants, totals, hash chain)', () => q.exec('SELECT credit_ledger_backfill()'));
  // What the usage trigger would have counted: the Overview's per-day and per-customer counters.
  await timed(log, 'usage counters (migration 055 rebuild)', () => q.exec('SELECT credit_usage_rebuild()'));
  await q.exec(`RESET session_replication_role; RESET work_mem; RESET maintenance_work_mem`);
  await timed(log, 'VACUUM ANALYZE', () => q.exec('VACUUM ANALYZE'));
  return (Date.now() - started) / 1000;
}

/** The ledger invariants over the whole data set; throws if the load broke any. */
export async function verifyDataset(q: Queryable): Promise<void> {
  const { rows } = await q.query<{ problem: string; n: number }>(`
    SELECT 'balance <> sum of rows' AS problem, count(*)::int AS n
      FROM customer_credits cc
      LEFT JOIN (SELECT customer_id, sum(amount) AS s FROM credit_transactions GROUP BY customer_id) t USING (customer_id)
     WHERE cc.balance <> coalesce(t.s, 0)
    UNION ALL
    SELECT 'broken chain', count(*)::int
      FROM (SELECT balance_before, lag(balance_after, 1, 0::bigint) OVER (PARTITION BY customer_id ORDER BY id) AS prev
              FROM credit_transactions) x
     WHERE balance_before <> prev
    UNION ALL
    SELECT 'counter mismatch', count(*)::int
      FROM customer_counters k
      LEFT JOIN (SELECT customer_id, count(*) AS n FROM searches GROUP BY customer_id) s USING (customer_id)
     WHERE k.search_count <> coalesce(s.n, 0)`);
  const bad = rows.filter((r) => r.n > 0);
  if (bad.length) throw new Error(`data set violates ledger invariants: ${bad.map((r) => `${r.problem}: ${r.n}`).join(', ')}`);
}

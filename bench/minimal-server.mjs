// The benchmark's yardstick for the app's HTTP path: a minimal node:http + pg server that runs the
// same SQL as the app's two measured requests, and nothing else (no framework, no session, no
// validation, no idempotency): what "the database round trips plus Node's HTTP" cost here.
//   POST /add     the caller re-read, then one transaction: the ledger INSERT and its audit event
//                 (POST /api/admin/credits/add without grant controls set)
//   POST /lookup  the caller re-read, the look-up's debit transaction, its status update and the
//                 balance read (POST /api/search, fixture provider); the app's look-up also reads
//                 the price list, its monthly limit and the shared answer cache, which this skips
//   GET  /health  SELECT 1
// Usage: node bench/minimal-server.mjs PORT DATABASE_URL POOL_SIZE
import http from 'node:http';
import pg from 'pg';

const [port, url, poolSize = '10'] = process.argv.slice(2);
pg.types.setTypeParser(20, Number);
const pool = new pg.Pool({ connectionString: url, max: Number(poolSize) });
pool.on('error', () => {});

const CALLER = `SELECT u.id, u.username, u.role, u.customer_id, c.name AS customer_name, c.status AS customer_status, u.active
  FROM users u LEFT JOIN customers c ON c.id = u.customer_id WHERE u.id = $1`;
const RESULTS = JSON.stringify(Array.from({ length: 10 }, (_, i) => ({ id: i + 1, name: `blox${i}`, displayName: `Blox ${i}`, hasVerifiedBadge: false, previousUsernames: [] })));

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

async function add(req) {
  const body = await readBody(req);
  const caller = (await pool.query(CALLER, [Number(req.headers['x-user-id'])])).rows[0];
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query(
      `INSERT INTO credit_transactions (customer_id, user_id, type, amount, description, payment_id)
       VALUES ($1, $2, 'admin_grant', $3, $4, $5)
       RETURNING id, customer_id, amount, balance_before, balance_after, description, created_at`,
      [body.customerId, caller.id, body.amount, `[ADMIN] ${body.description} (Added by: ${caller.username})`, `MANUAL_ADMIN_${caller.id}_${Date.now()}`],
    );
    const t = rows[0];
    await client.query(
      `INSERT INTO audit_events (action, actor_id, actor_username, customer_id, target_type, target_id, before, after, address, user_agent, api_key_id)
       VALUES ('credits.added', $1, $2, $3, 'credit_transaction', $4, $5, $6, $7, $8, NULL)`,
      [caller.id, caller.username, t.customer_id, t.id, JSON.stringify({ balance: t.balance_before }), JSON.stringify({ balance: t.balance_after, amount: t.amount, type: 'admin_grant', description: t.description }), req.socket.remoteAddress, req.headers['user-agent'] ?? null],
    );
    await client.query('COMMIT');
    return { success: true, message: 'Credits added successfully', transaction: t };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

async function lookup(req) {
  const body = await readBody(req);
  const caller = (await pool.query(CALLER, [Number(req.headers['x-user-id'])])).rows[0];
  const client = await pool.connect();
  let searchId;
  try {
    await client.query('BEGIN');
    searchId = (
      await client.query(
        `INSERT INTO searches (customer_id, user_id, query, search_type, status, credits_charged) VALUES ($1, $2, $3, $4, 'pending', 1) RETURNING id`,
        [caller.customer_id, caller.id, body.query, body.type],
      )
    ).rows[0].id;
    await client.query(
      `INSERT INTO credit_transactions (customer_id, user_id, type, amount, description)
       SELECT customer_id, $2, 'usage', -$3::bigint, $4 FROM customer_credits WHERE customer_id = $1 AND balance >= $3 FOR UPDATE
       RETURNING id, balance_after`,
      [caller.customer_id, caller.id, 1, `Look-up #${searchId} (${body.type}): ${body.query}`],
    );
    await client.query('COMMIT');
  } finally {
    client.release();
  }
  await pool.query(`UPDATE searches SET status = 'success', result_count = $2, duration_ms = $3 WHERE id = $1 AND status = 'pending'`, [searchId, 10, 0]);
  const { rows } = await pool.query('SELECT balance FROM customer_credits WHERE customer_id = $1', [caller.customer_id]);
  return `{"type":"keyword","searchId":${searchId},"query":${JSON.stringify(body.query)},"creditsCharged":1,"balance":${rows[0].balance},"results":${RESULTS}}`;
}

http
  .createServer(async (req, res) => {
    try {
      let out;
      if (req.url === '/health') out = (await pool.query('SELECT 1'), { ok: true });
      else if (req.url === '/add') out = await add(req);
      else if (req.url === '/lookup') out = await lookup(req);
      else {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(typeof out === 'string' ? out : JSON.stringify(out));
    } catch (err) {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(err?.message ?? err) }));
    }
  })
  .listen(Number(port), '127.0.0.1', () => console.log(`minimal server on ${port}`));

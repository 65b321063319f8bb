// The benchmark's yardstick for the app's HTTP path: a minimal node:http + pg server that runs the
// same SQL as the app's two measured requests, and nothing else (no framework, no session, no
// validation, no idempotency): what "the database round trips plus Node's HTTP" cost here.
//   POST /add     the caller re-read, then the statement that books the ledger row and its audit
//                 event (POST /api/admin/credits/add without grant controls set)
//   POST /lookup  the caller re-read, the shared cache's read and the one-statement charge
//                 (search_charge: price, searches row, monthly limit, debit), as POST /api/search
//                 answered from the cache
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
const RESULT_COUNT = 10;
const RESULTS = JSON.stringify(Array.from({ length: RESULT_COUNT }, (_, i) => ({ id: i + 1, name: `blox${i}`, displayName: `Blox ${i}`, hasVerifiedBadge: false, previousUsernames: [] })));

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

async function add(req) {
  const body = await readBody(req);
  const caller = (await pool.query(CALLER, [Number(req.headers['x-user-id'])])).rows[0];
  const description = `[ADMIN] ${body.description} (Added by: ${caller.username})`;
  const { rows } = await pool.query(
    `WITH booked AS (
       INSERT INTO credit_transactions (customer_id, user_id, type, amount, description, payment_id)
       VALUES ($1, $2, 'admin_grant', $3, $4, $5)
       RETURNING id, customer_id, amount, balance_before, balance_after, description, created_at),
     event AS (
       INSERT INTO audit_events (action, actor_id, actor_username, customer_id, target_type, target_id, before, after, address, user_agent, api_key_id)
       SELECT 'credits.added', $2, $6, booked.customer_id, 'credit_transaction', booked.id, jsonb_build_object('balance', booked.balance_before),
              $7::jsonb || jsonb_build_object('balance', booked.balance_after), $8, $9, NULL FROM booked)
     SELECT * FROM booked`,
    [
      body.customerId,
      caller.id,
      body.amount,
      description,
      `MANUAL_ADMIN_${caller.id}_${Date.now()}`,
      caller.username,
      JSON.stringify({ amount: body.amount, type: 'admin_grant', description }),
      req.socket.remoteAddress,
      req.headers['user-agent'] ?? null,
    ],
  );
  return { success: true, message: 'Credits added successfully', transaction: rows[0] };
}

async function lookup(req) {
  const body = await readBody(req);
  const caller = (await pool.query(CALLER, [Number(req.headers['x-user-id'])])).rows[0];
  // The shared cache's read, as the app makes it (the app has stored the answer by then).
  await pool.query('SELECT value FROM roblox_cache WHERE key = $1 AND expires_at > now()', [`${body.type}:${body.query}`]);
  const { rows } = await pool.query('SELECT search_id, created_at, unit_price, cost, balance FROM search_charge($1, $2, $3, $4, $5, $6, $7)', [
    caller.customer_id,
    caller.id,
    body.query,
    body.type,
    1,
    1,
    RESULT_COUNT,
  ]);
  const c = rows[0];
  return `{"type":"keyword","searchId":${c.search_id},"query":${JSON.stringify(body.query)},"creditsCharged":${c.cost},"balance":${c.balance},"results":${RESULTS}}`;
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

import 'server-only';
import { app } from '../app';
import { json } from './respond';

/**
 * GET /api/health, for load balancers and start-up scripts: `{ ok, status, database: { kind, host,
 * port, writable } }`: which database (PostgreSQL or the embedded PGlite) and node this instance is
 * on and whether it takes writes. 200 when it does; 503 while it can't (no node reachable, every
 * node read-only, a failover under way). `status` ('ok' | 'unavailable') is the answer's older form.
 */
export async function health(): Promise<Response> {
  let kind: string | null = null;
  try {
    const { db } = await app();
    kind = db.kind;
    const database = await db.status();
    return json({ ok: database.writable, status: database.writable ? 'ok' : 'unavailable', database: { kind, ...database } }, database.writable ? 200 : 503);
  } catch {
    return json({ ok: false, status: 'unavailable', database: { kind, host: null, port: null, writable: false } }, 503);
  }
}

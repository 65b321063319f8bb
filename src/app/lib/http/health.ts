import 'server-only';
import { app } from '../app';
import { json } from './respond';

/**
 * GET /api/health, for load balancers and start-up scripts: `{ ok, database: { host, port,
 * writable } }` — which database node this instance is on and whether it takes writes. 200 when it
 * does; 503 while it can't (no node reachable, every node read-only, a failover under way).
 */
export async function health(): Promise<Response> {
  try {
    const { db } = await app();
    const database = await db.status();
    return json({ ok: database.writable, database: { kind: db.kind, ...database } }, database.writable ? 200 : 503);
  } catch {
    return json({ ok: false, database: { host: null, port: null, writable: false } }, 503);
  }
}

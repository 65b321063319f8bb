import 'server-only';
import { app } from '../app';
import { json } from './respond';

/** GET /api/health: 200 when the database answers; for load balancers and start-up scripts. */
export async function health(): Promise<Response> {
  try {
    const { db } = await app();
    await db.query('SELECT 1');
    return json({ status: 'ok', database: db.kind });
  } catch {
    return json({ status: 'unavailable', database: 'unreachable' }, 503);
  }
}

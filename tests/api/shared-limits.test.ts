/**
 * Item 13: on PostgreSQL the sign-in limits live in the database, shared by every instance. A
 * second server on the API suites' own database: failures spread over both make the next attempt
 * on either a 429. (The embedded database is one process by construction: nothing to share.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unique } from '../support/db';
import { attempt } from '../support/auth';
import { onPostgres } from '../support/env';
import { PASSWORD, server, superAdmin, tenant, testAddress } from '../support/api';
import { startServer, type RunningServer } from '../support/server';

let second: RunningServer | undefined;

describe.skipIf(!onPostgres)('two instances, one database', () => {
  beforeAll(async () => {
    second = await startServer(
      {
        // The same admin password: a different one would be a bootstrap password change for both.
        ADMIN_PASSWORD: server().adminPassword,
        LOGIN_RATE_LIMIT_ATTEMPTS: '5',
        LOGIN_RATE_LIMIT_WINDOW_SECONDS: '30',
        TRUSTED_PROXIES: '127.0.0.1',
      },
      { databaseUrl: server().databaseUrl },
    );
  }, 120_000);
  afterAll(async () => {
    // Not stop(): that would drop the shared database.
    await second?.kill();
  });

  it('5 failures spread over both instances: the next attempt is 429 on either, even with the right password', async () => {
    const admin = await superAdmin();
    const { customer } = await tenant(admin);
    const { user } = await admin.expectJson(
      admin.post('/api/admin/users', { username: unique('shared'), password: PASSWORD, role: 'USER', customerId: customer.id }),
      201,
    );
    const instances = [server().baseUrl, second!.baseUrl];
    for (let i = 0; i < 5; i++) {
      const r = await attempt(instances[i % 2]!, user.username, `wrong ${i}`, { headers: { 'x-forwarded-for': testAddress() } });
      expect(r.status).not.toBe(429);
    }
    for (const base of instances) {
      const r = await attempt(base, user.username, PASSWORD, { headers: { 'x-forwarded-for': testAddress() } });
      expect(r.status, base).toBe(429);
      expect(r.sessionToken).toBeUndefined();
    }
  }, 30_000);
});

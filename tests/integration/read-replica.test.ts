/**
 * DATABASE_READ_URL: lag-tolerant reads (admin lists, exports, the overview) go to a streaming
 * replica, writes and reads that must see the caller's own write go to the primary, and a replica
 * that is down sends reads back to the primary. On a real primary + pg_basebackup replica pair.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCredits } from '@/app/lib/credits';
import { migrate } from '@/app/lib/db/migrate';
import { openPostgres } from '@/app/lib/db/postgres';
import type { Db } from '@/app/lib/db/types';
import { unique } from '../support/db';
import { onPostgres } from '../support/env';
import { ApiClient } from '../support/http-client';
import { replicaToolsAvailable, startReplicaPair, type ReplicaPair } from '../support/replica';
import { startServer, type RunningServer } from '../support/server';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(onPostgres && replicaToolsAvailable())('read replica', () => {
  let pair: ReplicaPair;
  let db: Db;
  let customerId: number;

  const onReplica = async (q: { query: Db['query'] }) =>
    (await q.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]!.r;
  const rowsFor = async (q: { query: Db['query'] }, description: string) =>
    (await q.query('SELECT 1 FROM credit_transactions WHERE description = $1', [description])).rowCount;

  beforeAll(async () => {
    pair = await startReplicaPair();
    db = openPostgres(pair.primaryUrl, { max: 4, readUrl: pair.replicaUrl });
    await migrate(db);
    const { rows } = await db.query<{ id: number }>('INSERT INTO customers (name) VALUES ($1) RETURNING id', [unique('Replica')]);
    customerId = rows[0]!.id;
  }, 180_000);

  afterAll(async () => {
    await db?.close();
    await pair?.destroy();
  });

  it('reads go to the replica, writes to the primary', async () => {
    expect(await onReplica(db)).toBe(false);
    expect(await onReplica(db.reads())).toBe(true);
    expect(db.kind).toBe('postgres');
    expect(await db.writePosition()).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
  });

  it("a client's own write is read from the primary until the replica has replayed it", async () => {
    await pair.pauseReplay();
    try {
      const description = unique('own write');
      await addCredits(db, { customerId, userId: null, type: 'purchase', amount: 3, description });
      const position = await db.writePosition();
      expect(await rowsFor(db.reads(), description)).toBe(0); // the replica lags: a stale read there
      expect(await rowsFor(db.reads(position), description)).toBe(1); // read-your-own-write
    } finally {
      await pair.resumeReplay();
    }
  });

  it('a replica that is down sends reads to the primary, at once, and is used again when it is back', async () => {
    await pair.stopReplica();
    try {
      const started = Date.now();
      expect(await onReplica(db.reads())).toBe(false);
      expect(await onReplica(db.reads())).toBe(false);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await pair.startReplica();
    }
    for (let i = 0; i < 50 && !(await onReplica(db.reads())); i++) await sleep(200);
    expect(await onReplica(db.reads())).toBe(true);
  });

  describe('over HTTP', () => {
    let server: RunningServer;
    beforeAll(async () => {
      server = await startServer({ DATABASE_READ_URL: pair.replicaUrl }, { databaseUrl: pair.primaryUrl });
    }, 120_000);
    afterAll(async () => {
      await server?.stop();
    });

    it('the admin lists read the replica, and the writer sees its own write there at once', async () => {
      const admin = new ApiClient(server.baseUrl);
      await admin.signIn(server.adminUsername, server.adminPassword);
      const session = `next-auth.session-token=${admin.sessionToken}`;
      const list = (cookie: string) =>
        fetch(`${server.baseUrl}/api/admin/credits/transactions?customerId=${customerId}&pageSize=100`, { headers: { cookie } }).then((r) => r.json());
      await pair.pauseReplay();
      try {
        const description = 'Replica demo credits';
        const res = await fetch(`${server.baseUrl}/api/admin/credits/add`, {
          method: 'POST',
          headers: { cookie: session, 'content-type': 'application/json' },
          body: JSON.stringify({ customerId, amount: 10, description }),
        });
        expect(res.status).toBe(200);
        const readAfter = res.headers.getSetCookie().find((c) => c.startsWith('rt-read-after='))?.split(';')[0];
        expect(readAfter).toMatch(/^rt-read-after=[0-9A-F]+\/[0-9A-F]+$/);
        const mine = (page: { items: Array<{ description: string }> }) => page.items.filter((t) => t.description.includes(description)).length;
        expect(mine(await list(`${session}; ${readAfter}`))).toBe(1); // the writer's browser: its own write
        expect(mine(await list(session))).toBe(0); // anyone else: the replica, which hasn't replayed it yet
      } finally {
        await pair.resumeReplay();
      }
    });
  });
});

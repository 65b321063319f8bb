/**
 * The PostgreSQL layer's failover, with TCP forwarders standing in for database nodes: the app
 * finds the node that takes writes in a multi-host URI, answers 503 with Retry-After while there is
 * none, and finds the next one by itself. (The real thing, a pg_auto_failover formation losing its
 * primary under the bank workload, is `npm run test:chaos`, phase failover.)
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addCredits } from '@/app/lib/credits';
import { openPostgres } from '@/app/lib/db/postgres';
import type { Db } from '@/app/lib/db/types';
import { AppError } from '@/app/lib/errors';
import { createTestDb, unique, type TestDatabase } from '../support/db';
import { onPostgres } from '../support/env';
import { closedPort, startTcpProxy, type TcpProxy } from '../support/tcp-proxy';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(onPostgres)('failover in the PostgreSQL layer', () => {
  let base: TestDatabase;
  let server: { host: string; port: number; user: string; database: string };
  let customerId: number;
  const open: Db[] = [];
  const proxies: TcpProxy[] = [];
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown) => uncaught.push(err);

  const uri = (ports: number[], query = '') =>
    `postgres://${server.user}@${ports.map((p) => `127.0.0.1:${p}`).join(',')}/${server.database}${query}`;
  const openDb = (u: string) => {
    const db = openPostgres(u, { max: 4 });
    open.push(db);
    return db;
  };
  const proxy = async (port?: number) => {
    const p = await startTcpProxy({ host: server.host, port: server.port }, port);
    proxies.push(p);
    return p;
  };
  const credit = (db: Db, description = unique('failover')) =>
    addCredits(db, { customerId, userId: null, type: 'purchase', amount: 1, description });

  async function unavailable(promise: Promise<unknown>): Promise<AppError> {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    const appErr = err as AppError;
    expect(appErr.status).toBe(503);
    expect(appErr.code).toBe('unavailable');
    expect(appErr.headers['Retry-After']).toMatch(/^\d+$/);
    return appErr;
  }

  /** Retries fn until it succeeds (a new node is found), at most `ms`. */
  async function eventually<T>(fn: () => Promise<T>, ms = 15_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await sleep(100);
      }
    }
  }

  beforeAll(async () => {
    process.on('uncaughtException', onUncaught);
    base = await createTestDb();
    const url = new URL(base.url!);
    server = { host: url.hostname, port: Number(url.port || 5432), user: decodeURIComponent(url.username || 'postgres'), database: url.pathname.slice(1) };
    const { rows } = await base.db.query<{ id: number }>(`INSERT INTO customers (name) VALUES ($1) RETURNING id`, [unique('Failover')]);
    customerId = rows[0]!.id;
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((db) => db.close().catch(() => {})));
    await Promise.all(proxies.splice(0).map((p) => p.close()));
    await base.db.exec(`ALTER DATABASE ${server.database} RESET default_transaction_read_only`);
  });

  afterAll(async () => {
    process.off('uncaughtException', onUncaught);
    await base?.drop();
  });

  it('connects to the host that answers, skipping one that is down, and says which in status()', async () => {
    const node = await proxy();
    const db = openDb(uri([await closedPort(), node.port], '?target_session_attrs=read-write'));
    await credit(db);
    expect(await db.status()).toEqual({ host: '127.0.0.1', port: node.port, writable: true });
  });

  it('when the node dies, the write in flight fails as 503 and the next one goes to the other node, without a restart', async () => {
    const first = await proxy();
    const second = await proxy();
    const db = openDb(uri([first.port, second.port]));
    await credit(db);
    expect((await db.status()).port).toBe(first.port);

    // A transaction waiting on its connection when the node goes: rolled back, answered 503.
    const description = unique('in flight');
    const inFlight = db.transaction(async (tx) => {
      await addCredits(tx, { customerId, userId: null, type: 'purchase', amount: 7, description });
      await tx.query('SELECT pg_sleep(2)');
    });
    await sleep(300);
    await first.kill();
    await unavailable(inFlight);
    const { rows } = await base.db.query('SELECT 1 FROM credit_transactions WHERE description = $1', [description]);
    expect(rows).toHaveLength(0); // never half-applied

    await eventually(() => credit(db));
    expect(await db.status()).toEqual({ host: '127.0.0.1', port: second.port, writable: true });
    expect(uncaught).toEqual([]);
  });

  it('a connection lost while a transaction holds it is no uncaughtException (issue 10, defect 8)', async () => {
    const db = openDb(uri([server.port]));
    const admin = new pg.Client({ host: server.host, port: server.port, user: server.user, database: server.database });
    await admin.connect();
    try {
      const pending = db.transaction(async (tx) => {
        const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
        await sleep(500); // the connection dies while JavaScript holds the client, between queries
        await tx.query('SELECT 1');
      });
      await unavailable(pending);
    } finally {
      await admin.end();
    }
    await eventually(() => credit(db));
    expect(uncaught).toEqual([]);
  });

  it('every host read-only: writes are 503 naming why, status says not writable, and it recovers when a primary appears', async () => {
    const a = await proxy();
    const b = await proxy();
    await base.db.exec(`ALTER DATABASE ${server.database} SET default_transaction_read_only = on`);
    const db = openDb(uri([a.port, b.port], '?target_session_attrs=read-write'));
    const err = await unavailable(credit(db));
    expect(err.message).toBe('Database unavailable');
    expect(String(err.details)).toMatch(new RegExp(`No database host accepts writes \\(127.0.0.1:${a.port} primary, read-only; 127.0.0.1:${b.port} primary, read-only\\)`));
    expect((await db.status()).writable).toBe(false);

    await base.db.exec(`ALTER DATABASE ${server.database} RESET default_transaction_read_only`);
    await eventually(() => credit(db));
    expect((await db.status()).writable).toBe(true);
  });

  it('a node that turns read-only under the app (a demoted primary) sends writes to look again', async () => {
    const a = await proxy();
    const db = openDb(uri([a.port]));
    await credit(db);
    await base.db.exec(`ALTER DATABASE ${server.database} SET default_transaction_read_only = on`);
    // Sessions opened before keep their setting: end them, as a demotion does.
    await base.db.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [server.database]);
    await unavailable(credit(db)); // the write that meets the lost connection
    const err = await unavailable(credit(db)); // the next one finds the node read-only
    expect(String(err.details)).toMatch(/No database host accepts writes \(.*read-only\)/);
    await base.db.exec(`ALTER DATABASE ${server.database} RESET default_transaction_read_only`);
    await eventually(() => credit(db));
  });

  it('no reachable host: 503 with a clear message at once (no hanging), then recovery when a node comes up', async () => {
    const port = await closedPort();
    const db = openDb(uri([port, await closedPort()]));
    const started = Date.now();
    const err = await unavailable(credit(db));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(String(err.details)).toMatch(/No database host accepts writes \(127\.0\.0\.1:\d+ unreachable; 127\.0\.0\.1:\d+ unreachable\)/);
    expect(await db.status()).toMatchObject({ writable: false });
    await proxy(port);
    await eventually(() => credit(db));
    expect(await db.status()).toEqual({ host: '127.0.0.1', port, writable: true });
  });
});

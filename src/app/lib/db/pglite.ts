import 'server-only';
import fs from 'node:fs';
import path from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import type { Db, Queryable, QueryResult } from './types';

const INT8_OID = 20;
// PGlite already yields numbers for int8 today; pin it so an upgrade can't silently switch to bigint.
const parsers = { [INT8_OID]: (v: string) => Number(v) };

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite is a single-process database: two processes on one data directory corrupt it. A lock file
 * beside the directory turns that into a clear error; a lock left by a dead process is taken over.
 */
const openHere = new Set<string>();

function acquireLock(dataDir: string): () => void {
  const lockPath = `${dataDir.replace(/\/+$/, '')}.lock`;
  // A lock file with our own pid is stale (a restarted container can reuse a pid), unless this
  // process really has the directory open: that case is tracked here.
  if (openHere.has(lockPath)) {
    throw new Error(`The embedded database at ${dataDir} is already open in this process.`);
  }
  fs.mkdirSync(path.dirname(lockPath), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      openHere.add(lockPath);
      const release = () => {
        openHere.delete(lockPath);
        try {
          if (fs.readFileSync(lockPath, 'utf8') === String(process.pid)) fs.unlinkSync(lockPath);
        } catch {
          /* already gone */
        }
      };
      process.once('exit', release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(fs.readFileSync(lockPath, 'utf8'));
      if (owner && owner !== process.pid && isAlive(owner)) {
        throw new Error(
          `The embedded database at ${dataDir} is already in use by process ${owner}. ` +
            'PGlite allows one process per data directory: stop the other process, ' +
            'set PGLITE_DATA_DIR to another directory, or set DATABASE_URL to use PostgreSQL.',
        );
      }
      fs.unlinkSync(lockPath); // stale lock from a process that no longer exists
    }
  }
  throw new Error(`Could not lock ${lockPath}`);
}

function adapt(target: PGlite | Transaction): Queryable {
  return {
    async query<T>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
      const res = await target.query<T>(sql, params as unknown[] | undefined);
      // Like pg's rowCount: rows returned, else rows changed (PGlite reports 0 affected for a
      // SELECT … FOR UPDATE that returned rows).
      return { rows: res.rows, rowCount: res.rows.length > 0 ? res.rows.length : (res.affectedRows ?? 0) };
    },
    async exec(sql) {
      await target.exec(sql);
    },
  };
}

export interface PgliteDb extends Db {
  /** The whole data directory as a gzipped tarball (what `template` takes). */
  dump(): Promise<Blob>;
  /**
   * Serves this database over PostgreSQL's wire protocol on 127.0.0.1:`port`, so psql and the
   * guide's SQL reach the embedded database. PGlite is one session: connections take turns.
   */
  listen(port: number): Promise<{ stop(): Promise<void> }>;
}

/**
 * Opens PGlite on a directory (locked for this process) or, with no directory, in memory. A new,
 * empty database starts from `template()` (a dump of an already migrated one) when given: loading
 * it is several times faster than PGlite's initdb followed by every migration.
 */
export async function openPglite(dataDir?: string, opts: { template?: () => Blob | undefined } = {}): Promise<PgliteDb> {
  const release = dataDir ? acquireLock(dataDir) : () => {};
  let pg: PGlite;
  try {
    if (dataDir) fs.mkdirSync(dataDir, { recursive: true });
    const isNew = !dataDir || !fs.existsSync(`${dataDir}/PG_VERSION`);
    // Read only for a new database: an existing one never needs the template's megabytes.
    const loadDataDir = isNew ? opts.template?.() : undefined;
    pg = await PGlite.create({ dataDir, loadDataDir, extensions: { pg_trgm }, parsers });
  } catch (err) {
    release();
    throw err;
  }
  const top = adapt(pg);
  return {
    dump: () => pg.dumpDataDir('gzip') as Promise<Blob>,
    async listen(port) {
      const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
      // Idle connections are closed so a forgotten psql can't hold the one session forever.
      const server = new PGLiteSocketServer({ db: pg, port, host: '127.0.0.1', idleTimeout: 10 * 60_000 });
      await server.start();
      return { stop: () => server.stop() };
    },
    kind: 'pglite',
    ...top,
    transaction: (fn) => pg.transaction((tx) => fn(adapt(tx))),
    // In-process: no host, always writable, no replica.
    status: async () => ({ host: null, port: null, writable: true }),
    reads: () => top,
    writePosition: async () => null,
    async close() {
      await pg.close();
      release();
    },
  };
}

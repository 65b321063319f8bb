import 'server-only';
export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

/** Anything SQL can be sent to: the database itself or an open transaction. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
  /** Runs a multi-statement SQL script without parameters (migrations, schema.sql). */
  exec(sql: string): Promise<void>;
}

/** Which database server the app is on and whether it takes writes (GET /api/health). */
export interface DbStatus {
  /** null on the embedded database, or when no server could be reached. */
  host: string | null;
  port: number | null;
  writable: boolean;
}

/** One interface over PGlite and PostgreSQL; the rest of the app never knows which it has. */
export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /**
   * Runs fn inside BEGIN … COMMIT (ROLLBACK on throw). Inside fn, use only `tx`:
   * on PGlite a query on the top-level handle would wait for this transaction forever.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Asks the server now: where the app is connected and whether that node accepts writes. */
  status(): Promise<DbStatus>;
  /**
   * Where reads that may lag behind the primary go (admin lists, exports, the overview): the read
   * replica (DATABASE_READ_URL) when there is one and it is up, else this database. `after` is a
   * write position from `writePosition()`: until the replica has replayed it, the primary answers,
   * so a client always sees its own writes.
   */
  reads(after?: string | null): Queryable;
  /** The primary's current write position (a WAL LSN) when a read replica is configured; else null. */
  writePosition(): Promise<string | null>;
  close(): Promise<void>;
}

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

/** One interface over PGlite and PostgreSQL; the rest of the app never knows which it has. */
export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /**
   * Runs fn inside BEGIN … COMMIT (ROLLBACK on throw). Inside fn, use only `tx`:
   * on PGlite a query on the top-level handle would wait for this transaction forever.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

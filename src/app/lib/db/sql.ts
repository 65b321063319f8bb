import 'server-only';
/**
 * Builds a parameterized WHERE clause. Each condition is written with `?` for its one value, which
 * becomes the next $n: values never enter the SQL text.
 */
export class Conditions {
  readonly params: unknown[] = [];
  private readonly clauses: string[] = [];

  add(clause: string, value: unknown): this {
    this.params.push(value);
    this.clauses.push(clause.replace('?', `$${this.params.length}`));
    return this;
  }

  /** Adds the condition only when the value is present. */
  maybe(clause: string, value: unknown): this {
    return value === undefined || value === null ? this : this.add(clause, value);
  }

  /** A placeholder for one more value (LIMIT, OFFSET, …). */
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  get sql(): string {
    return this.clauses.length ? `WHERE ${this.clauses.join(' AND ')}` : '';
  }
}

/** Escapes LIKE wildcards so a search for "50%" finds that text, not everything. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

import 'server-only';
import { AppError } from './errors';

// PostgreSQL text can't hold U+0000, and a lone UTF-16 surrogate would be stored as U+FFFD: both
// are refused up front rather than failing in the database or changing silently.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Refuses any string (key or value, at any depth) that PostgreSQL can't store as sent. */
export function assertStorableText(value: unknown): void {
  const pending: Array<[unknown, string]> = [[value, '']];
  while (pending.length > 0) {
    const [v, path] = pending.pop()!;
    if (typeof v === 'string') {
      if (UNSTORABLE.test(v)) {
        throw new AppError('bad_request', 'Invalid characters', {
          [path || '_']: 'Text may not contain NUL characters or unpaired surrogates',
        });
      }
    } else if (v && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        pending.push([k, path], [child, path ? `${path}.${k}` : k]);
      }
    }
  }
}

import 'server-only';
/**
 * PostgreSQL int8 (bigint, count(*), bigserial) arrives as a string from node-postgres. Credits and ids
 * are far below 2^53, so we convert to a JS number and refuse loudly if one ever isn't.
 */
export function parseInt8(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${value} exceeds the safe integer range`);
  return n;
}

/** The API's error shape, as every suite checks it. */

/** Asserts the API's error shape `{ error: string, details: string | object }` and returns it. */
export function assertErrorShape(body: unknown): { error: string; details: unknown } {
  const b = body as { error?: unknown; details?: unknown };
  if (!b || typeof b !== 'object' || typeof b.error !== 'string' || b.error === '') {
    throw new Error(`not an { error, details } body: ${JSON.stringify(body)}`);
  }
  if (b.details === undefined || b.details === null || !['string', 'object'].includes(typeof b.details)) {
    throw new Error(`error body without details: ${JSON.stringify(body)}`);
  }
  return b as { error: string; details: unknown };
}

/** Like assertErrorShape, and the body has no keys but `error`, `details` and a machine `code`. */
export function assertExactErrorShape(body: unknown): { error: string; details: unknown; code: string } {
  const b = assertErrorShape(body) as { error: string; details: unknown; code?: unknown };
  const keys = Object.keys(b).sort();
  if (keys.join() !== 'code,details,error' || typeof b.code !== 'string' || !/^[a-z]+(_[a-z]+)*$/.test(b.code)) {
    throw new Error(`error body is not exactly { error, details, code }: ${JSON.stringify(body)}`);
  }
  return b as { error: string; details: unknown; code: string };
}

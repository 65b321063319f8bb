/**
 * Hostile input, generated: fast-check properties over every mutating endpoint's body and every list
 * endpoint's query string, on the production server.
 *
 *   - The answer is never a 5xx. A 4xx is exactly `{ error, details }` (error a non-empty string,
 *     details a string or an object) and leaves the target customer's ledger as it was.
 *   - A 2xx is only given to input that really is valid, and then it did what it says (read back
 *     through the admin API).
 *
 * Generators: arbitrary JSON values, objects with the right keys but wrong types, number texts at the
 * edges of JSON (1e308, 1e309 = Infinity, -0, 1.0000000001, 2^53 + 1, …), unicode and control
 * characters, very long strings, malformed JSON, duplicate keys, bodies around 64 KB.
 *
 * U+0000 and lone surrogates are left out of the broad properties and get tests of their own at the
 * end, so one known defect can't hide every other counter-example behind its shrunk one.
 *
 * No generated id ever names a customer or user outside this file: a valid request aimed at another
 * suite's data would change it.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureUsers } from '@/app/lib/searches/roblox/fixture';
import { unique } from '../support/db';
import {
  assertExactErrorShape,
  ledgerSnapshot,
  PASSWORD,
  server,
  superAdmin,
  tenant,
  type ApiClient,
} from '../support/api';

const LIMIT = 64 * 1024;
/** Ids that can't exist: serial ids of a test database never get near them. */
const MISSING_ID = 2_000_000_000;
const RUNS = { body: 120, query: 100, path: 80, size: 30 };
const FC = { interruptAfterTimeLimit: 45_000 };

let admin: ApiClient;
let adminName: string;
/** Customer whose credits /credits/add moves. */
let ledger: { id: number };
/** Customer that PATCH /customers/:id edits (no users, so deactivating it locks nobody out). */
let patchTarget: { id: number };
/** Customer that POST /users creates users in, and its USER that PATCH /users/:id edits. */
let seats: { id: number };
let victim: { id: number };
/** Customer whose USER runs look-ups. */
let lookups: { id: number };
let searcher: ApiClient;
let searchCost: number;

beforeAll(async () => {
  admin = await superAdmin();
  adminName = server().adminUsername;
  ledger = (await tenant(admin, { credits: 100 })).customer;
  patchTarget = (await tenant(admin)).customer;
  const s = await tenant(admin, { maxUsers: 100_000 });
  seats = s.customer;
  victim = (
    await admin.expectJson(
      admin.post('/api/admin/users', { username: unique('victim'), password: PASSWORD, role: 'USER', customerId: seats.id }),
      201,
    )
  ).user;
  const l = await tenant(admin, { credits: 5_000 });
  lookups = l.customer;
  searcher = (await l.makeUser('USER')).client;
  searchCost = (await searcher.expectJson(searcher.get('/api/me'), 200)).searchCost;
});

// ---------------------------------------------------------------------------------------------
// Sending and judging

interface Answer {
  status: number;
  text: string;
  body: any;
  contentType: string;
}

async function send(client: ApiClient, method: string, path: string, body?: string, headers?: Record<string, string>): Promise<Answer> {
  const res = await client.request(method, path, body, headers);
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, text, body: parsed, contentType: res.headers.get('content-type') ?? '' };
}

const show = (s: string, max = 300) => JSON.stringify(s.length > max ? `${s.slice(0, max)}…(${s.length} chars)` : s);

/** HOSTILE_STATS=1 prints how often each route answered each status (do the generators reach 2xx?); =errors adds the error texts. */
const tally = new Map<string, number>();
afterAll(() => {
  if (process.env.HOSTILE_STATS) console.log([...tally].sort().map(([k, n]) => `${k}: ${n}`).join('\n'));
});

/** Never a 5xx; a 4xx is exactly `{ error, details }`. Returns true for a 2xx. */
function judged(a: Answer, what: string): boolean {
  const route = what.split(/[ ?]/).slice(0, 2).join(' ').replace(/\/\d+$/, '/:id');
  tally.set(`${route} ${a.status}`, (tally.get(`${route} ${a.status}`) ?? 0) + 1);
  if (process.env.HOSTILE_STATS === 'errors' && a.status >= 400) {
    const e = `${route} ${a.status} ${String(a.body?.error).slice(0, 60)}`;
    tally.set(e, (tally.get(e) ?? 0) + 1);
  }
  expect(a.status, `${what} → ${a.status} ${show(a.text)}`).toBeLessThan(500);
  expect(a.status, `${what} → ${a.status} ${show(a.text)}`).toBeGreaterThanOrEqual(200);
  if (a.status < 300) return true;
  expect(a.status, `${what}: 3xx from an API route`).toBeGreaterThanOrEqual(400);
  expect(a.contentType, `${what}: error content type`).toMatch(/^application\/json/);
  const b = assertExactErrorShape(a.body);
  expect(typeof b.details === 'string' || (typeof b.details === 'object' && b.details !== null)).toBe(true);
  return false;
}

// ---------------------------------------------------------------------------------------------
// Generators

/** Replaces U+0000 (covered by its own tests below) in every string of a JSON value, keys included. */
function scrub<T>(v: T): T {
  if (typeof v === 'string') return v.replaceAll('\u0000', '\u0001') as T;
  if (Array.isArray(v)) return v.map(scrub) as T;
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === '__proto__') Object.defineProperty(out, k, { value: scrub(x), enumerable: true, writable: true, configurable: true });
      else out[scrub(k)] = scrub(x);
    }
    return out as T;
  }
  return v;
}

const noNul = (s: string) => s.replaceAll('\u0000', '\u0001');
/** The first `n` code points: slicing UTF-16 units could leave half a surrogate pair behind. */
const cut = (s: string, n: number) => Array.from(s).slice(0, n).join('');

const specials = fc.constantFrom(
  '', ' ', '\t', '\n', '\r\n', '\u0001', '\u0008', '\u001b[31m', '\u001f', '\u007f', '\u0085', '\u00a0', '\u200b', '\u200e',
  '\u202e', '\u2028', '\u2029', '\u3000', '\ufeff', '\ufffd', '\uffff', '😀', '👩‍👩‍👧‍👦', 'e\u0301', 'ﷺ', '𝕏', 'İ', 'ß', '\\', '\\u0000',
  '"', "'", '`', '<script>alert(1)</script>', '${7*7}', '{{7*7}}', '%s%n', '%', '_', '../../etc/passwd', 'null', 'true', '0', '-1',
  'NaN', 'Infinity', '1e309', '__proto__', 'constructor',
);

/** Strings from every corner of unicode, control characters, templates and very long ones; no U+0000. */
const hostileString: fc.Arbitrary<string> = fc
  .oneof(
    { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 40 }) },
    { weight: 3, arbitrary: fc.array(specials, { maxLength: 6 }).map((a) => a.join('')) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }), specials.filter((s) => s !== '')), fc.integer({ min: 100, max: 24_000 }))
        .map(([s, n]) => cut(s.repeat(Math.ceil(n / s.length)), n)),
    },
  )
  .map(noNul);

/** JSON number texts at the edges: what JSON.parse makes of them is part of the test. */
const numberText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '1e308', '-1e308', '1e309', '-1e309', '-0', '0', '0.0', '-0.0', '1.0000000001', '0.9999999999999999', '1.0', '1e0', '1E4', '10000.0',
    '10000.000000000001', '10001', '2147483647', '2147483648', '-2147483648', '4294967296', '9007199254740993', '1e-324', '5e-324',
    '123456789012345678901234567890', '-1', '1e2', '100e-2', '0.1e1',
  ),
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
);

/** Any JSON value (no U+0000), as text. */
const anyValueText = fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' }).map((v) => JSON.stringify(scrub(v)));

/** fc.anything(), as JSON.stringify sends it (undefined → no body at all). */
const anythingText = fc.anything({ maxDepth: 3 }).map((v) => {
  try {
    return JSON.stringify(scrub(v)) ?? '';
  } catch {
    return 'null';
  }
});

const malformedText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '', ' ', '\n', '{', '}', '[', '{"amount":}', '{"amount":1,}', '{amount:1}', "{'amount':1}", '[1,2', 'nul', 'NaN', 'Infinity', '-',
    '{"a":1}{"b":2}', '{"a":1} x', '\ufeff{}', '{"a":"\\x41"}', '{"a":"\\u12"}', '{"a":"\n"}', '{"a":01}', '{"a":.5}', '{"a":+1}',
    '{"a":0x10}', '/* */{}', '{"a":1 /*c*/}', '{"a":1e}', '{"a":1e+}', '{"a":"\\ud800"', '{"a":"\u0000"}', '\u0000', 'undefined',
    '{"__proto__":{"isAdmin":true}}', '{"constructor":{"prototype":{"x":1}}}',
    '['.repeat(30_000) + ']'.repeat(30_000),
    '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000),
  ),
  fc.string({ unit: 'binary-ascii', maxLength: 60 }),
  fc.json({ maxDepth: 2 }).map((s) => s.slice(0, Math.max(0, s.length - 1))),
);

type Field = [key: string, valueText: string];

const objectText = (fields: Field[]) => `{${fields.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;

/** A key as JSON text would spell it, sometimes with escapes that decode to the same key. */
const spelled = (key: string, escape: boolean) =>
  escape ? `"${[...key].map((c, i) => (i === 0 ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c)).join('')}"` : JSON.stringify(key);

interface Body {
  text: string;
  kind: 'fields' | 'duplicate' | 'json' | 'anything' | 'malformed';
}

interface BodyOptions {
  /** Hostile values for a key, instead of the generic ones (id fields: never someone else's id). */
  hostile?: Record<string, fc.Arbitrary<string>>;
  /** Keys a valid body may leave out (each is sent half the time); the others are sent 9 times in 10. */
  optional?: string[];
  /** More whole bodies worth sending (e.g. combinations the per-key generators rarely meet). */
  extras?: fc.Arbitrary<string>[];
}

/** `arb`'s value `tenths` times in 10, null otherwise. */
const sometimes = <T>(arb: fc.Arbitrary<T>, tenths: number): fc.Arbitrary<T | null> =>
  fc.oneof({ weight: 10 - tenths, arbitrary: fc.constant(null) }, { weight: tenths, arbitrary: arb });

/** A hostile value for a key: any JSON, an edge number, or a hostile string. */
const genericHostile = fc.oneof(anyValueText, numberText, hostileString.map((s) => JSON.stringify(s)));

/**
 * Bodies for an endpoint whose keys are `valid`'s: objects with the right keys, valid values and at
 * most one value of the wrong type or out of range, sometimes an unknown key; and whole bodies that
 * are any JSON, anything, malformed, or name a key twice.
 */
function bodies(valid: Record<string, fc.Arbitrary<string>>, opts: BodyOptions = {}): fc.Arbitrary<Body> {
  const keys = Object.keys(valid);
  const hostileFor = (k: string) => opts.hostile?.[k] ?? genericHostile;
  const presence = (k: string) =>
    opts.optional?.includes(k) ? fc.boolean() : fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) });
  const unknownKey = fc.oneof(hostileString, fc.constantFrom('__proto__', 'constructor', 'id', 'role', 'balance', ' amount', 'customerID'));
  const fieldsArb = fc
    .record({
      present: fc.tuple(...keys.map(presence)),
      values: fc.tuple(...keys.map((k) => valid[k]!)),
      // At most one bad value (4 bodies in 10), sometimes an unknown key (1 in 10).
      corrupt: sometimes(fc.constantFrom(...keys).chain((k) => hostileFor(k).map((v): Field => [k, v])), 4),
      extra: sometimes(fc.tuple(unknownKey, anyValueText), 1),
      seed: fc.nat(),
    })
    .map(({ present, values, corrupt, extra, seed }): Body => {
      const list: Field[] = [];
      keys.forEach((k, i) => {
        if (corrupt?.[0] === k) list.push(corrupt);
        else if (present[i]) list.push([k, values[i]!]);
      });
      if (extra && !keys.includes(extra[0])) list.splice(seed % (list.length + 1), 0, extra);
      return { text: objectText(list), kind: 'fields' };
    });
  const duplicateArb = fc
    .tuple(fc.tuple(...keys.map((k) => valid[k]!)), fc.constantFrom(...keys), fc.boolean(), fc.boolean(), fc.nat())
    .chain(([values, dup, escape, nested, seed]) =>
      fc.oneof(valid[dup]!, hostileFor(dup)).map((again): Body => {
        const parts = keys.map((k, i) => `${JSON.stringify(k)}:${values[i]}`);
        const repeated = `${spelled(dup, escape)}:${nested ? '{"x":1,"x":2}' : again}`;
        parts.splice(seed % (parts.length + 1), 0, repeated);
        return { text: `{${parts.join(',')}}`, kind: 'duplicate' };
      }),
    );
  return fc.oneof(
    { weight: 10, arbitrary: fieldsArb },
    ...(opts.extras ?? []).map((arbitrary) => ({ weight: 2, arbitrary: arbitrary.map((text): Body => ({ text, kind: 'fields' })) })),
    { weight: 2, arbitrary: duplicateArb },
    { weight: 1, arbitrary: anyValueText.map((text): Body => ({ text, kind: 'json' })) },
    { weight: 1, arbitrary: anythingText.map((text): Body => ({ text, kind: 'anything' })) },
    { weight: 2, arbitrary: malformedText.map((text): Body => ({ text, kind: 'malformed' })) },
  );
}

/**
 * Hostile values for an id field that can never name someone else's row: `own` (as JSON text), or a
 * value that isn't a usable id, or one that can't exist. A generated 5 could be another suite's customer.
 */
function safeId(own: () => number): fc.Arbitrary<string> {
  const dangerous = (text: string) => {
    try {
      const v = JSON.parse(text);
      return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 2_147_483_647 && v < MISSING_ID && v !== own();
    } catch {
      return false;
    }
  };
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(null).map(() => String(own())) },
    { weight: 1, arbitrary: fc.constantFrom(String(MISSING_ID), '2147483647', '2147483648', '0', '-1', 'null', '1.5', '1e308', '-0', '"1"', '[1]', '{"id":1}', 'true') },
    { weight: 1, arbitrary: fc.oneof(numberText, anyValueText).filter((t) => !dangerous(t)) },
  );
}

const js = (v: unknown) => JSON.stringify(v);

/** Text a free-text field should accept and keep verbatim: any unicode (no U+0000), up to `max` code points, not blank. */
const validText = (max: number) =>
  fc
    .oneof(
      { weight: 3, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }) },
      { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }) },
      { weight: 2, arbitrary: fc.array(specials, { minLength: 1, maxLength: 6 }).map((a) => `x${a.join('')}`) },
      { weight: 1, arbitrary: fc.constantFrom("O'Brien & Sons", 'Müller GmbH', '株式会社テスト', 'شركة', '🚀 Rocket', 'x'.repeat(max)) },
    )
    .map(noNul)
    .filter((t) => t.trim().length > 0 && t.trim().length <= max && Array.from(t).length <= max);

function parsed(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** Runs a property one request at a time (each run reads the ledger before and after). */
async function property<T>(arb: fc.Arbitrary<T>, runs: number, check: (value: T) => Promise<void>): Promise<void> {
  await fc.assert(
    fc.asyncProperty(arb, async (v) => {
      await check(v);
    }),
    { numRuns: runs, ...FC },
  );
}

// ---------------------------------------------------------------------------------------------

describe('POST /api/admin/credits/add: generated bodies', () => {
  const idempotencyKey = fc.oneof(
    { weight: 6, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: fc.uuid().map((u) => `hostile-${u}`) },
    { weight: 1, arbitrary: fc.constantFrom('a b', 'x'.repeat(256), 'caf\u00e9', '"quoted key"', '\u00ff\u00fe') },
  );

  /** Independent of the zod schema: exactly what the guide says is a valid addition. */
  function expectedAddition(text: string): { amount: number; description: string } | null {
    if (Buffer.byteLength(text) > LIMIT) return null;
    const p = parsed(text);
    if (!p.ok || !isPlainObject(p.value)) return null;
    const v = p.value;
    const keys = Object.keys(v).sort();
    if (keys.join() !== 'amount,customerId,description') return null;
    if (v.customerId !== ledger.id) return null;
    if (typeof v.amount !== 'number' || !Number.isInteger(v.amount) || v.amount < 1 || v.amount > 10_000) return null;
    if (typeof v.description !== 'string') return null;
    const d = v.description.trim();
    if (d.length < 1 || d.length > 500) return null;
    return { amount: v.amount, description: d };
  }

  it('never a 5xx; a 200 exactly for valid additions, which move the balance by the amount; a 4xx moves nothing', async () => {
    let expected = await ledgerSnapshot(admin, ledger.id);
    const arb = fc.tuple(
      bodies(
        {
          customerId: fc.constant(null).map(() => String(ledger.id)),
          amount: fc.oneof(fc.integer({ min: 1, max: 10_000 }).map(String), fc.constantFrom('1', '10000', '1.0', '1e2', '10000.0', '1E4')),
          description: fc.oneof(validText(500), fc.constantFrom(' padded ', ` ${'y'.repeat(500)} `)).map(js),
        },
        {
          hostile: {
            customerId: safeId(() => ledger.id),
            amount: fc.oneof(numberText, anyValueText),
            description: fc.oneof(hostileString.map(js), anyValueText, fc.constantFrom('""', '"   "', js('x'.repeat(501)))),
          },
        },
      ),
      idempotencyKey,
    );
    await property(arb, RUNS.body, async ([body, key]) => {
      const headers: Record<string, string> = key === undefined ? {} : { 'Idempotency-Key': key };
      const a = await send(admin, 'POST', '/api/admin/credits/add', body.text, headers);
      const what = `POST /api/admin/credits/add ${show(body.text)} key=${JSON.stringify(key)}`;
      const ok = judged(a, what);
      const valid = expectedAddition(body.text);
      const keyOk = key === undefined || /^[\x21-\x7e]{1,255}$/.test(key);
      expect(ok, `${what}: valid=${!!valid && keyOk} but HTTP ${a.status} ${show(a.text)}`).toBe(!!valid && keyOk && body.kind !== 'duplicate');
      const after = await ledgerSnapshot(admin, ledger.id);
      if (ok && valid) {
        expect(a.status).toBe(200);
        expect(a.body).toMatchObject({
          success: true,
          message: 'Credits added successfully',
          transaction: {
            customerId: ledger.id,
            amount: valid.amount,
            balanceBefore: expected.balance,
            balanceAfter: expected.balance + valid.amount,
            description: `[ADMIN] ${valid.description} (Added by: ${adminName})`,
          },
        });
        expect(after).toEqual({
          balance: expected.balance + valid.amount,
          purchased: expected.purchased + valid.amount,
          used: expected.used,
          transactions: expected.transactions + 1,
        });
      } else {
        expect(after, `${what} → ${a.status} changed the ledger`).toEqual(expected);
      }
      expected = after;
    });
  });

  it('a key given twice is 400 however it is spelled, and nothing is credited', async () => {
    const before = await ledgerSnapshot(admin, ledger.id);
    const id = ledger.id;
    const texts = [
      `{"customerId":${id},"amount":1,"amount":2,"description":"dup"}`,
      `{"customerId":${id},"amount":1,"description":"dup","amount":10000}`,
      `{"customerId":${id},"customerId":${id},"amount":1,"description":"dup"}`,
      `{"customerId":${id},"amount":1,"description":"a","description":"b"}`,
      `{"customerId":${id},"amount":1,"\\u0061mount":2,"description":"dup"}`,
      `{"customerId":${id},"amount":1,"am\\u006funt":2,"description":"dup"}`,
      `{"customerId":${id},"amount":5,"description":"dup","amount":5}`,
    ];
    for (const text of texts) {
      const a = await send(admin, 'POST', '/api/admin/credits/add', text);
      expect(a.status, `${text} → ${a.text}`).toBe(400);
      expect(assertExactErrorShape(a.body).error).toBe('Duplicate key in JSON');
    }
    expect(await ledgerSnapshot(admin, ledger.id)).toEqual(before);
  });
});

describe('POST /api/admin/customers and PATCH /api/admin/customers/:id: generated bodies', () => {
  const customerFields = {
    name: fc.oneof(validText(200), fc.constant(null).map(() => unique('Hostile'))).map(js),
    status: fc.constantFrom('"active"', '"inactive"'),
    contactEmail: fc.constantFrom('"a@b.co"', '" ops@example.com "', '"o\'brien+tag@example.co.uk"', 'null'),
    maxUsers: fc.oneof(fc.integer({ min: 1, max: 100_000 }).map(String), fc.constantFrom('1', '100000', '5.0')),
    logoUrl: fc.constantFrom('"https://example.com/logo.png"', '"http://example.com/a?b=c&d=%20"', '" https://cdn.example.com/x.svg "', 'null'),
  };
  const customerOptions: BodyOptions = {
    optional: ['status', 'contactEmail', 'maxUsers', 'logoUrl'],
    hostile: {
      name: fc.oneof(genericHostile, fc.constantFrom('""', '"   "', '"\\t\\n"', js('n'.repeat(201)))),
      status: fc.oneof(genericHostile, fc.constantFrom('"ACTIVE"', '"deleted"', '""', 'null')),
      contactEmail: fc.oneof(genericHostile, fc.emailAddress().map(js), fc.constantFrom('"a@b"', '"@b.co"', '"a@@b.co"', '""', js(`${'a'.repeat(320)}@b.co`))),
      maxUsers: fc.oneof(numberText, anyValueText, fc.constantFrom('0', '100001', '1.5', '-0', '"10"')),
      logoUrl: fc.oneof(
        genericHostile,
        fc.webUrl().map(js),
        fc.constantFrom('"javascript:alert(1)"', '"ftp://x/y"', '"data:image/png;base64,AAAA"', '"//evil.example/x"', '""', js(`https://x.example/${'a'.repeat(2048)}`)),
      ),
    },
  };

  type CustomerDto = Record<string, unknown> & { id: number; name: string };

  /** The stored customer matches every field the request set (strings trimmed, as the API documents). */
  function expectFields(c: CustomerDto, input: Record<string, unknown>, what: string) {
    const trimmed = (v: unknown) => (typeof v === 'string' ? v.trim() : v);
    const map: Record<string, string> = { name: 'name', status: 'status', contactEmail: 'contactEmail', maxUsers: 'maxUsers', logoUrl: 'logoUrl' };
    for (const [k, field] of Object.entries(map)) {
      if (k in input) expect(c[field], `${what}: ${k}`).toEqual(trimmed(input[k]));
    }
  }

  it('POST: never a 5xx; a 201 stores exactly what was sent; a 4xx moves no credits', async () => {
    let expected = await ledgerSnapshot(admin, ledger.id);
    await property(bodies(customerFields, customerOptions), RUNS.body, async (body) => {
      const a = await send(admin, 'POST', '/api/admin/customers', body.text);
      const what = `POST /api/admin/customers ${show(body.text)}`;
      if (judged(a, what)) {
        expect(a.status).toBe(201);
        expect(body.kind).not.toBe('duplicate');
        const input = JSON.parse(body.text) as Record<string, unknown>;
        const { customer } = await admin.expectJson(admin.get(`/api/admin/customers/${a.body.customer.id}`), 200);
        expect(customer).toEqual(a.body.customer);
        expectFields(customer, input, what);
        if (!('status' in input)) expect(customer.status).toBe('active');
        if (!('maxUsers' in input)) expect(customer.maxUsers).toBe(10);
        expect(customer).toMatchObject({ creditBalance: 0, totalCreditsPurchased: 0, totalCreditsUsed: 0, userCount: 0 });
        expect(typeof customer.name === 'string' && customer.name.length > 0 && customer.name.length <= 200).toBe(true);
      }
      const after = await ledgerSnapshot(admin, ledger.id);
      expect(after, `${what} changed another customer's ledger`).toEqual(expected);
      expected = after;
    });
  });

  it('PATCH: never a 5xx; a 200 changes exactly the fields sent; a 4xx changes nothing', async () => {
    const read = async () => (await admin.expectJson(admin.get(`/api/admin/customers/${patchTarget.id}`), 200)).customer as CustomerDto;
    let current = await read();
    await property(bodies(customerFields, { ...customerOptions, optional: Object.keys(customerFields) }), RUNS.body, async (body) => {
      const a = await send(admin, 'PATCH', `/api/admin/customers/${patchTarget.id}`, body.text);
      const what = `PATCH /api/admin/customers/:id ${show(body.text)}`;
      const after = await read();
      if (judged(a, what)) {
        expect(a.status).toBe(200);
        expect(body.kind).not.toBe('duplicate');
        const input = JSON.parse(body.text) as Record<string, unknown>;
        expect(Object.keys(input).length).toBeGreaterThan(0);
        expectFields(after, input, what);
        const { updatedAt: _u1, ...rest } = after;
        expect(a.body.customer).toMatchObject(rest);
        // Fields not sent keep their values; the balance never moves.
        for (const k of ['name', 'status', 'contactEmail', 'maxUsers', 'logoUrl']) if (!(k in input)) expect(after[k], k).toEqual(current[k]);
        expect(after.creditBalance).toBe(current.creditBalance);
      } else {
        expect(after, `${what} → ${a.status} changed the customer`).toEqual(current);
      }
      current = after;
    });
  });
});

describe('POST /api/admin/users and PATCH /api/admin/users/:id: generated bodies', () => {
  const username = fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9_.@-]{3,20}$/).map((s) => `h${s}${Date.now().toString(36)}`),
    fc.constant(null).map(() => ` ${unique('spaced')} `),
  );
  const badUsername = fc.oneof(
    genericHostile,
    fc.constantFrom('admin', 'ADMIN', 'ab', 'x'.repeat(65), 'a b c', 'name\u200b', 'ünïcödé', 'a/b', "o'neil", '').map(js),
  );
  // Any unicode at all (no U+0000), 8–200 UTF-16 units: what a password may be.
  const password = fc
    .oneof(fc.string({ unit: 'binary', minLength: 8, maxLength: 40 }), fc.string({ unit: 'grapheme', minLength: 8, maxLength: 40 }), fc.constantFrom('12345678', '        ', 'x'.repeat(200)))
    .map(noNul)
    .filter((p) => p.length >= 8 && p.length <= 200);
  const badPassword = fc.oneof(genericHostile, fc.constantFrom('1234567', '', 'x'.repeat(201)).map(js));
  const role = fc.constantFrom('"USER"', '"CUSTOMER_ADMIN"', '"SUPER_ADMIN"');
  const badRole = fc.oneof(genericHostile, fc.constantFrom('"user"', '"ROOT"', '""', '"SUPER_ADMIN "'));

  it('POST: never a 5xx; a 201 created exactly that user in the right customer; a 4xx moves no credits', async () => {
    let expected = await ledgerSnapshot(admin, seats.id);
    const arb = bodies(
      {
        username: username.map(js),
        password: password.map(js),
        // Mostly users of the customer: a generated SUPER_ADMIN is a platform account.
        role: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('"USER"', '"CUSTOMER_ADMIN"') }, { weight: 1, arbitrary: role }),
        customerId: fc.constant(null).map(() => String(seats.id)),
      },
      {
        hostile: { username: badUsername, password: badPassword, role: badRole, customerId: fc.oneof(safeId(() => seats.id), fc.constant('null')) },
      },
    );
    await property(arb, RUNS.body, async (body) => {
      const a = await send(admin, 'POST', '/api/admin/users', body.text);
      const what = `POST /api/admin/users ${show(body.text)}`;
      if (judged(a, what)) {
        expect(a.status).toBe(201);
        expect(body.kind).not.toBe('duplicate');
        const input = JSON.parse(body.text) as Record<string, any>;
        const { user } = await admin.expectJson(admin.get(`/api/admin/users/${a.body.user.id}`), 200);
        expect(user).toEqual(a.body.user);
        expect(user.username).toBe(String(input.username).trim());
        expect(user.username).toMatch(/^[A-Za-z0-9_.@-]{3,64}$/);
        expect(user.role).toBe(input.role);
        expect(user.customerId).toBe(input.role === 'SUPER_ADMIN' ? null : seats.id);
        expect(user.active).toBe(true);
        expect(typeof input.password === 'string' && input.password.length >= 8 && input.password.length <= 200).toBe(true);
        expect(a.text).not.toMatch(/\$argon2|password_?hash/i);
      }
      const after = await ledgerSnapshot(admin, seats.id);
      expect(after, `${what} changed the ledger`).toEqual(expected);
      expected = after;
    });
  });

  it('PATCH: never a 5xx; a 200 applied exactly role/active; a 4xx changes nothing', async () => {
    const read = async () => (await admin.expectJson(admin.get(`/api/admin/users/${victim.id}`), 200)).user as Record<string, unknown>;
    let current = await read();
    const arb = bodies(
      {
        role: fc.constantFrom('"USER"', '"CUSTOMER_ADMIN"', '"USER"', '"SUPER_ADMIN"'),
        active: fc.constantFrom('true', 'false'),
        password: password.map(js),
      },
      {
        optional: ['role', 'active', 'password'],
        hostile: { role: badRole, active: fc.oneof(genericHostile, fc.constantFrom('"true"', '0', '1', 'null')), password: badPassword },
      },
    );
    await property(arb, RUNS.body, async (body) => {
      const a = await send(admin, 'PATCH', `/api/admin/users/${victim.id}`, body.text);
      const what = `PATCH /api/admin/users/:id ${show(body.text)}`;
      const after = await read();
      if (judged(a, what)) {
        expect(a.status).toBe(200);
        expect(body.kind).not.toBe('duplicate');
        const input = JSON.parse(body.text) as Record<string, unknown>;
        expect(a.body.user).toEqual(after);
        expect(after.role).toBe('role' in input ? input.role : current.role);
        expect(after.active).toBe('active' in input ? input.active : current.active);
        expect(a.text).not.toMatch(/\$argon2|password_?hash/i);
      } else {
        expect(after, `${what} → ${a.status} changed the user`).toEqual(current);
      }
      current = after;
    });
  });
});

describe('POST /api/search: generated bodies', () => {
  // Keywords the fake Roblox treats as fault injections (slow, 5xx …) are not hostile input.
  const FAULTS = /^(fail500|ratelimited|flaky|slow|malformed|wrongshape|backoff)/;
  const known = fixtureUsers.slice(0, 20).map((u) => String(u.id));

  it('never a 5xx; a 200 charged exactly the look-up cost; a 4xx charged nothing (a Roblox rejection is refunded)', async () => {
    let expected = await ledgerSnapshot(admin, lookups.id);
    const keyword = fc
      .oneof(validText(50), fc.constantFrom('blox', 'Builder', ' gamer ', 'ab', '0', '00123'))
      .filter((q) => !FAULTS.test(q.trim().toLowerCase()));
    const arb = bodies(
      { query: keyword.map(js), type: fc.constant('"keyword"') },
      {
        optional: ['type'],
        hostile: {
          query: fc.oneof(genericHostile, fc.constantFrom('""', '"   "', js('q'.repeat(51)))),
          type: fc.oneof(genericHostile, fc.constantFrom('"profile"', '"Keyword"', '"id"', '""')),
        },
        extras: [
          fc
            .oneof(fc.constantFrom(...known), fc.constantFrom('1', '99999999999999999', '00123', '12345678901234567', ' 42 '), fc.bigInt({ min: 1n, max: 10n ** 16n }).map(String))
            .map((id) => `{"query":${js(id)},"type":"profile"}`),
        ],
      },
    );
    await property(arb, RUNS.body, async (body) => {
      const a = await send(searcher, 'POST', '/api/search', body.text);
      const what = `POST /api/search ${show(body.text)}`;
      const ok = judged(a, what);
      const after = await ledgerSnapshot(admin, lookups.id);
      if (ok) {
        expect(a.status).toBe(200);
        expect(body.kind).not.toBe('duplicate');
        const input = JSON.parse(body.text) as Record<string, unknown>;
        expect(a.body.query).toBe(String(input.query).trim());
        expect(a.body.type).toBe(input.type ?? 'keyword');
        expect(a.body.creditsCharged).toBe(searchCost);
        expect(a.body.balance).toBe(expected.balance - searchCost);
        expect(after).toEqual({
          balance: expected.balance - searchCost,
          purchased: expected.purchased,
          used: expected.used + searchCost,
          transactions: expected.transactions + (searchCost > 0 ? 1 : 0),
        });
      } else if (/^Roblox (rejected the search|user not found)/.test(a.body.error)) {
        // Charged, then refunded in full: the balance and totals are where they were.
        expect(after.balance, `${what}: refunded`).toBe(expected.balance);
        expect(after.purchased - after.used).toBe(expected.purchased - expected.used);
        expect(after.transactions).toBe(expected.transactions + (searchCost > 0 ? 2 : 0));
      } else {
        expect(after, `${what} → ${a.status} changed the ledger`).toEqual(expected);
      }
      expected = after;
    });
  });
});

describe('bodies over 64 KB are 413 on every mutating endpoint; exactly 64 KB is read', () => {
  const endpoints = () => [
    { method: 'POST', path: '/api/admin/credits/add', client: admin, key: 'description' },
    { method: 'POST', path: '/api/admin/customers', client: admin, key: 'name' },
    { method: 'PATCH', path: `/api/admin/customers/${patchTarget.id}`, client: admin, key: 'name' },
    { method: 'POST', path: '/api/admin/users', client: admin, key: 'password' },
    { method: 'PATCH', path: `/api/admin/users/${victim.id}`, client: admin, key: 'password' },
    { method: 'POST', path: '/api/search', client: searcher, key: 'query' },
  ];

  /** `{"<key>":"<filler…>"}` of exactly `bytes` UTF-8 bytes (filler of 1-, 2-, 3- or 4-byte characters). */
  function sized(key: string, bytes: number, filler: string): string {
    const head = `{"${key}":"`;
    const tail = '"}';
    let room = bytes - Buffer.byteLength(head + tail);
    const unit = Buffer.byteLength(filler);
    let pad = filler.repeat(Math.floor(room / unit));
    room -= Buffer.byteLength(pad);
    pad += 'a'.repeat(room);
    return head + pad + tail;
  }

  it('just over the limit (in bytes, whatever the characters): 413 { error, details }, nothing changes', async () => {
    const before = await Promise.all([ledgerSnapshot(admin, ledger.id), ledgerSnapshot(admin, lookups.id)]);
    const arb = fc.tuple(fc.nat({ max: 5 }), fc.integer({ min: LIMIT + 1, max: LIMIT + 4_096 }), fc.constantFrom('a', 'é', '€', '😀', '\u0001'));
    await property(arb, RUNS.size, async ([i, bytes, filler]) => {
      const e = endpoints()[i]!;
      const text = sized(e.key, bytes, filler);
      const a = await send(e.client, e.method, e.path, text);
      expect(a.status, `${e.method} ${e.path} with ${bytes} bytes of ${JSON.stringify(filler)} → ${show(a.text)}`).toBe(413);
      assertExactErrorShape(a.body);
      expect(a.body.error).toBe('Request body too large');
    });
    expect(await Promise.all([ledgerSnapshot(admin, ledger.id), ledgerSnapshot(admin, lookups.id)])).toEqual(before);
  });

  it('exactly 65,536 bytes is parsed (and refused by validation as 400, not 413)', async () => {
    for (const e of endpoints()) {
      for (const filler of ['a', '€']) {
        const a = await send(e.client, e.method, e.path, sized(e.key, LIMIT, filler));
        expect(a.status, `${e.method} ${e.path} ${filler}: ${show(a.text)}`).toBe(400);
        assertExactErrorShape(a.body);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Query strings and path ids

describe('query strings: random junk never makes a 5xx', () => {
  const knownKeys = [
    'page', 'pageSize', 'sort', 'order', 'search', 'status', 'customerId', 'userId', 'username', 'type', 'source', 'from', 'to', 'role', 'active',
    'action', 'actorId',
  ];
  const rawJunk = fc.constantFrom(
    '%', '%%', '%zz', '%E0%A4%A', '%ED%A0%80', '%C0%AF', '%FF%FE', '%F4%90%80%80', '+', '%2B', '%20', '%0A', '%0D%0A', '%25', '%5C', '%22', '%27',
    '%3B', '[]', '[0]', '=', '==', '&&', '%26', '%3D', '..%2F', '%7B%7D', '%E2%80%AE',
  );
  const validValue: Record<string, fc.Arbitrary<string>> = {
    page: fc.oneof(fc.integer({ min: 1, max: 999_999 }).map(String), fc.constantFrom('0', '-1', '1.5', '01', '1e3', ' 1', '1000000', '999999')),
    pageSize: fc.oneof(fc.integer({ min: 1, max: 100 }).map(String), fc.constantFrom('0', '101', '100', '1e2', '+5')),
    sort: fc.constantFrom('id', 'name', 'created_at', 'credit_balance', 'username', 'last_login_at', 'nope', 'name;', 'id DESC', '1'),
    order: fc.constantFrom('asc', 'desc', 'ASC', 'random', ''),
    status: fc.constantFrom('active', 'inactive', 'all'),
    customerId: fc.constantFrom('1', '0', '-1', '2147483647', '2147483648', '99999999999', '1.0', 'abc'),
    userId: fc.constantFrom('1', '0', '2147483648', 'x'),
    type: fc.constantFrom('purchase', 'admin_grant', 'usage', 'refund', 'adjustment', 'USAGE', 'other'),
    source: fc.constantFrom('manual_admin', 'MANUAL_ADMIN', 'stripe'),
    from: fc.oneof(
      fc.date({ min: new Date('1000-01-01'), max: new Date('9999-12-31'), noInvalidDate: true }).map((d) => d.toISOString()),
      fc.constantFrom('2024-02-30', '2024-02-29', '0000-01-01', '2024-13-01', '2024-01-01T24:00', '2024-01-01T25:00', '2024-01-01T00:00+99:99', '2024-1-1', 'yesterday', '9999-12-31T23:59:59.999999+14:00'),
    ),
    role: fc.constantFrom('USER', 'CUSTOMER_ADMIN', 'SUPER_ADMIN', 'user'),
    active: fc.constantFrom('true', 'false', '1', 'yes'),
    search: fc.oneof(hostileString.map((s) => cut(s, 120)), fc.constantFrom('%', '_', '\\', 'Hostile', '1')),
    username: fc.oneof(hostileString.map((s) => cut(s, 80)), fc.constantFrom('admin', 'ADMIN', '%')),
    action: fc.constantFrom('user.role_changed', 'credits.added', 'auth.sign_in', 'USER.ROLE_CHANGED', 'nope', 'credits.', '.x'),
    actorId: fc.constantFrom('1', '0', '-1', '2147483648', 'x', '1.5'),
  };
  const value = (k: string) =>
    fc.oneof(
      { weight: 3, arbitrary: (validValue[k] ?? validValue.from!).map(encodeURIComponent) },
      { weight: 2, arbitrary: hostileString.map((s) => encodeURIComponent(cut(s, 200))) },
      { weight: 1, arbitrary: numberText.map(encodeURIComponent) },
      { weight: 1, arbitrary: fc.array(rawJunk, { minLength: 1, maxLength: 3 }).map((a) => a.join('')) },
    );
  const pair = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...knownKeys).chain((k) => value(k).map((v) => `${k}=${v}`)) },
    { weight: 1, arbitrary: fc.tuple(hostileString.map((s) => encodeURIComponent(cut(s, 50))), value('search')).map(([k, v]) => `${k}=${v}`) },
    { weight: 1, arbitrary: rawJunk },
  );
  const query = fc.array(pair, { maxLength: 6 }).map((ps) => ps.join('&'));

  const lists = [
    { path: '/api/admin/customers', csv: false },
    { path: '/api/admin/users', csv: false },
    { path: '/api/admin/credits/transactions', csv: false },
    { path: '/api/admin/credits/transactions/export', csv: true },
    { path: '/api/search/history', csv: false },
    { path: '/api/admin/audit', csv: false },
    { path: '/api/admin/audit/export', csv: true },
    { path: '/api/me/sessions', csv: false },
  ];

  it.each(lists)('GET $path?<junk>: 200 with a well-formed page, or a 4xx { error, details }', async ({ path, csv }) => {
    await property(query, RUNS.query, async (q) => {
      const a = await send(admin, 'GET', `${path}?${q}`);
      const what = `GET ${path}?${q}`;
      if (!judged(a, what)) return;
      expect(a.status).toBe(200);
      if (csv) {
        expect(a.contentType).toMatch(/^text\/csv/);
        expect(a.text.startsWith(path.includes('/audit/') ? 'id,created_at,action,' : 'id,created_at,customer_id,')).toBe(true);
        expect(a.text.endsWith('\n') || a.text.endsWith('\r\n')).toBe(true);
      } else {
        expect(Array.isArray(a.body.items), what).toBe(true);
        expect(Number.isSafeInteger(a.body.total) && a.body.total >= 0).toBe(true);
        expect(Number.isSafeInteger(a.body.page) && a.body.page >= 1).toBe(true);
        expect(a.body.pageSize >= 1 && a.body.pageSize <= 100).toBe(true);
        expect(a.body.items.length).toBeLessThanOrEqual(a.body.pageSize);
      }
    });
  });

  it('a USER asking for another customer, or with junk, in /api/search/history: 200 of its own or a 4xx', async () => {
    await property(query, 40, async (q) => {
      const a = await send(searcher, 'GET', `/api/search/history?${q}`);
      if (judged(a, `USER GET /api/search/history?${q}`)) {
        for (const s of a.body.items) expect(typeof s.query).toBe('string');
        // A USER only ever sees its own customer's look-ups: the searcher's own.
        const me = (await searcher.expectJson(searcher.get('/api/me'), 200)).user.id;
        for (const s of a.body.items) expect(s.userId).toBe(me);
      }
    });
  });
});

describe('path ids: junk in /customers/:id and /users/:id', () => {
  const junkId = fc
    .oneof(
      hostileString.map((s) => cut(s, 60)),
      numberText,
      fc.constantFrom('0', '-1', '01', '1.0', '1e3', '2147483648', '99999999999', String(MISSING_ID), ' 1', '1 ', '0x1', 'null', '%25'),
    )
    .filter((s) => (s !== '' && s !== '.' && s !== '..' && !/^[1-9][0-9]{0,9}$/.test(s.trim())) || s === String(MISSING_ID));

  const idRequest = (method: 'GET' | 'PATCH', kind: 'customers' | 'users', segment: string) =>
    method === 'PATCH'
      ? send(admin, 'PATCH', `/api/admin/${kind}/${segment}`, kind === 'customers' ? '{"name":"never stored"}' : '{"active":false}')
      : send(admin, 'GET', `/api/admin/${kind}/${segment}`);

  it('GET and PATCH with a junk or missing id (percent-encoded): 400 or 404 { error, details }, never a 5xx', async () => {
    const arb = fc.tuple(junkId, fc.constantFrom('customers' as const, 'users' as const), fc.constantFrom('GET' as const, 'PATCH' as const));
    await property(arb, RUNS.path, async ([id, kind, method]) => {
      const a = await idRequest(method, kind, encodeURIComponent(id));
      const what = `${method} /api/admin/${kind}/${encodeURIComponent(id)}`;
      expect(judged(a, what), `${what} → ${a.status} ${show(a.text)}`).toBe(false);
      expect([400, 404]).toContain(a.status);
    });
  });

  // A path segment that isn't valid percent-encoding can't be an id either: a 400, like any bad id.
  it.each(['%', '%zz', '%E0%A4%A', '1%'])('an id segment that is malformed percent-encoding (%s) is a 4xx, not a 500', async (segment) => {
    for (const kind of ['customers', 'users'] as const) {
      for (const method of ['GET', 'PATCH'] as const) {
        const a = await idRequest(method, kind, segment);
        const what = `${method} /api/admin/${kind}/${segment}`;
        expect(a.status, `${what} → ${a.status} ${show(a.text)}`).toBeGreaterThanOrEqual(400);
        expect(a.status, `${what} → ${a.status} ${show(a.text)}`).toBeLessThan(500);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// U+0000 and lone surrogates. PostgreSQL text can't hold U+0000 and UTF-8 can't hold a lone
// surrogate: such input must be refused with a 4xx (or stored exactly as sent), never a 500 and
// never silently altered.

describe('U+0000 in any text field or search parameter', () => {
  const NUL = 'nul\u0000byte';
  const bodiesWithNul = () => [
    { name: 'credits/add description', client: admin, method: 'POST', path: '/api/admin/credits/add', body: { customerId: ledger.id, amount: 1, description: NUL }, customer: ledger.id },
    { name: 'customers name', client: admin, method: 'POST', path: '/api/admin/customers', body: { name: NUL }, customer: ledger.id },
    { name: 'customers contactEmail', client: admin, method: 'POST', path: '/api/admin/customers', body: { name: unique('NulMail'), contactEmail: 'a\u0000@b.co' }, customer: ledger.id },
    { name: 'customers logoUrl', client: admin, method: 'POST', path: '/api/admin/customers', body: { name: unique('NulLogo'), logoUrl: 'https://example.com/\u0000.png' }, customer: ledger.id },
    { name: 'PATCH customer name', client: admin, method: 'PATCH', path: `/api/admin/customers/${patchTarget.id}`, body: { name: NUL }, customer: patchTarget.id },
    { name: 'PATCH customer logoUrl', client: admin, method: 'PATCH', path: `/api/admin/customers/${patchTarget.id}`, body: { logoUrl: 'https://example.com/\u0000' }, customer: patchTarget.id },
    { name: 'users username', client: admin, method: 'POST', path: '/api/admin/users', body: { username: 'nul\u0000user', password: PASSWORD, role: 'USER', customerId: seats.id }, customer: seats.id },
    { name: 'search query', client: searcher, method: 'POST', path: '/api/search', body: { query: 'blox\u0000' }, customer: lookups.id },
  ];

  it.each([0, 1, 2, 3, 4, 5, 6, 7])('body #%i: a 4xx { error, details }, never a 500, no ledger change', async (i) => {
    const c = bodiesWithNul()[i]!;
    const before = await ledgerSnapshot(admin, c.customer);
    const a = await send(c.client, c.method, c.path, JSON.stringify(c.body));
    const what = `${c.name}: ${c.method} ${c.path} ${JSON.stringify(c.body)}`;
    // Whatever the status, the ledger must not have moved (checked first, so a 500 still tells us).
    expect(await ledgerSnapshot(admin, c.customer), `${what} changed the ledger`).toEqual(before);
    expect(a.status, `${what} → ${a.status} ${a.text}`).toBeGreaterThanOrEqual(400);
    expect(a.status, `${what} → ${a.status} ${a.text}`).toBeLessThan(500);
    assertExactErrorShape(a.body);
  });

  const queries = [
    '/api/admin/customers?search=a%00b',
    '/api/admin/users?search=a%00b',
    '/api/admin/credits/transactions?username=a%00b',
    '/api/admin/credits/transactions/export?username=a%00b',
  ];
  it.each(queries)('GET %s: 200 (nothing matches) or a 4xx, never a 500 or a broken stream', async (path) => {
    const res = await admin.get(path);
    const text = await res.text().catch((err: Error) => `<stream failed: ${err.message}: ${String((err as any).cause)}>`);
    expect(res.status, `${path} → ${res.status} ${text}`).toBeLessThan(500);
    expect(text).not.toMatch(/^<stream failed/);
    if (res.status >= 400) assertExactErrorShape(JSON.parse(text));
  });
});

describe('lone surrogates (not valid unicode) are refused or kept, never silently replaced', () => {
  it.each([
    ['customer name', '/api/admin/customers', (s: string) => ({ name: `lone ${s} name` })],
    ['credits/add description', '/api/admin/credits/add', (s: string) => ({ customerId: ledger.id, amount: 1, description: `lone ${s}` })],
  ] as const)('%s with \\ud800: a 4xx, or stored exactly as sent', async (_name, path, make) => {
    const before = await ledgerSnapshot(admin, ledger.id);
    const body = make('\ud800');
    // JSON.stringify escapes a lone surrogate as \ud800, which is valid JSON text.
    const a = await send(admin, 'POST', path, JSON.stringify(body));
    if (a.status >= 400) {
      judged(a, path);
      expect(await ledgerSnapshot(admin, ledger.id)).toEqual(before);
      return;
    }
    expect(a.status).toBeLessThan(300);
    const stored = path.endsWith('customers') ? a.body.customer.name : a.body.transaction.description;
    const sent = 'name' in body ? body.name : `[ADMIN] ${body.description} (Added by: ${adminName})`;
    expect(stored, `sent ${JSON.stringify(sent)}, stored ${JSON.stringify(stored)}`).toBe(sent);
  });
});

// ---------------------------------------------------------------------------------------------
// Sign-in, sessions and two-factor: NextAuth's routes (/api/auth/*) and the caller's own account.

describe('the auth endpoints: generated requests', () => {
  const base = () => server().baseUrl;
  const address = () => `10.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;

  /** NextAuth's protocol answers (3xx with a Location on this site, or a 2xx), or a 4xx in exactly the API's error shape. */
  function judgedAuth(a: Answer & { location: string | null; cookies: string[] }, what: string): void {
    expect(a.status, `${what} → ${a.status} ${show(a.text)}`).toBeLessThan(500);
    if (a.status >= 400) {
      expect(a.contentType, `${what}: error content type`).toMatch(/^application\/json/);
      assertExactErrorShape(a.body);
    } else if (a.status >= 300) {
      expect(a.location, `${what}: redirect without Location`).toBeTruthy();
      const target = new URL(a.location!, base());
      expect(target.origin, `${what}: redirect off-site to ${a.location}`).toBe(new URL(base()).origin);
    }
    const session = a.cookies.find((c) => /^next-auth\.session-token=[^;]+/.test(c));
    expect(session, `${what}: a session cookie for credentials that are not valid`).toBeUndefined();
  }

  async function sendAuth(method: string, path: string, init: { body?: string; type?: string; cookie?: string } = {}) {
    const res = await fetch(`${base()}${path}`, {
      method,
      redirect: 'manual',
      headers: { 'x-forwarded-for': address(), ...(init.type ? { 'content-type': init.type } : {}), ...(init.cookie ? { cookie: init.cookie } : {}) },
      body: init.body,
    });
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: res.status, text, body: body as any, contentType: res.headers.get('content-type') ?? '', location: res.headers.get('location'), cookies: res.headers.getSetCookie() };
  }

  async function csrf(): Promise<{ token: string; cookie: string }> {
    const res = await fetch(`${base()}/api/auth/csrf`);
    const { csrfToken } = (await res.json()) as { csrfToken: string };
    return { token: csrfToken, cookie: res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ') };
  }

  // Cut like the other query strings: a URL past Node's 16 KB header limit is Node's 431, not ours.
  const fieldValue = fc.oneof(hostileString.map((v) => cut(v, 200)), numberText, fc.constantFrom('true', 'false', '', ' ', 'admin', '/admin', '//evil.example', 'https://evil.example/x', '/\r\n', '\u00e9'));
  const formFields = fc.array(
    fc.tuple(fc.oneof({ weight: 4, arbitrary: fc.constantFrom('username', 'password', 'totp', 'json', 'callbackUrl', 'redirect', 'csrfToken') }, { weight: 1, arbitrary: hostileString }), fieldValue),
    { maxLength: 8 },
  );

  it('POST /api/auth/callback/credentials: form and JSON bodies of any shape, with and without a CSRF token', async () => {
    await property(fc.tuple(formFields, fc.constantFrom('form', 'json', 'raw'), fc.boolean(), malformedText), RUNS.body, async ([fields, kind, withCsrf, raw]) => {
      const token = withCsrf ? await csrf() : null;
      const list = token ? [...fields.filter(([k]) => k !== 'csrfToken'), ['csrfToken', token.token] as [string, string]] : fields;
      const body =
        kind === 'form'
          ? new URLSearchParams(list.map(([k, v]) => [noNul(k), noNul(v)])).toString()
          : kind === 'json'
            ? JSON.stringify(scrub(Object.fromEntries(list)))
            : raw;
      const type = kind === 'form' ? 'application/x-www-form-urlencoded' : 'application/json';
      const a = await sendAuth('POST', '/api/auth/callback/credentials', { body, type, cookie: token?.cookie });
      judgedAuth(a, `POST /api/auth/callback/credentials (${kind}) ${show(body)}`);
    });
  });

  it('POST /api/auth/signout and GET /api/auth/{csrf,session,providers,signin,signout,error}: junk queries, bodies and cookies', async () => {
    const routes = fc.constantFrom('csrf', 'session', 'providers', 'signin', 'signout', 'error', 'callback/credentials', 'nope', 'callback/x');
    const junkCookie = fc.oneof(
      fc.constant(undefined),
      hostileString.map((v) => `next-auth.callback-url=${encodeURIComponent(cut(v, 100))}`),
      hostileString.map((v) => `next-auth.session-token=${encodeURIComponent(cut(v, 200))}`),
      fc.constantFrom('next-auth.callback-url=%00', 'next-auth.session-token=%', 'rt-device=v1.1.x.y', 'next-auth.csrf-token=a%7Cb'),
    );
    const query = fc.array(fc.tuple(fc.constantFrom('callbackUrl', 'error', 'csrf', 'x'), fieldValue), { maxLength: 3 });
    await property(fc.tuple(fc.constantFrom('GET', 'POST'), routes, query, junkCookie, formFields), RUNS.query, async ([method, route, q, cookie, fields]) => {
      const qs = new URLSearchParams(q.map(([k, v]) => [k, noNul(v)])).toString();
      const path = `/api/auth/${route}${qs ? `?${qs}` : ''}`;
      const body = method === 'POST' ? new URLSearchParams(fields.map(([k, v]) => [noNul(k), noNul(v)])).toString() : undefined;
      const a = await sendAuth(method, path, { body, type: body === undefined ? undefined : 'application/x-www-form-urlencoded', cookie });
      judgedAuth(a, `${method} ${path} cookie=${JSON.stringify(cookie)} ${body ? show(body) : ''}`);
    });
  });

  it('POST /api/me/2fa/{setup,enable,disable} and DELETE /api/me/sessions/:id: generated bodies and ids never 5xx, never turn 2FA on', async () => {
    const arb = fc.tuple(
      fc.constantFrom('/api/me/2fa/enable', '/api/me/2fa/disable'),
      bodies({ code: fc.oneof(fc.stringMatching(/^[0-9]{6}$/), fc.constantFrom('abcd-efgh-jkmn-pqrs', '000000')).map(js) }, { hostile: { code: genericHostile } }),
    );
    await property(arb, RUNS.query, async ([path, body]) => {
      const a = await send(searcher, 'POST', path, body.text);
      judged(a, `POST ${path} ${show(body.text)}`);
    });
    const status = await searcher.expectJson(searcher.get('/api/me/2fa'), 200);
    expect(status.enabled).toBe(false);
    // Never the searcher's own sessions: ending one is a 200, and would sign the suite's searcher out.
    const own = new Set((await searcher.expectJson(searcher.get('/api/me/sessions?pageSize=100'), 200)).items.map((x: { id: number }) => String(x.id)));
    const junkId = fc.oneof(hostileString.map((s) => cut(s, 40)), numberText).filter((id) => !own.has(id.trim().replace(/^0+(?=\d)/, '')));
    await property(junkId, RUNS.path, async (id) => {
      const a = await send(searcher, 'DELETE', `/api/me/sessions/${encodeURIComponent(id)}`);
      expect(judged(a, `DELETE /api/me/sessions/${encodeURIComponent(id)}`)).toBe(false);
    });
    await searcher.expectJson(searcher.get('/api/me'), 200);
  });
});

import 'server-only';
import type { z } from 'zod';
import { app } from '../app';
import { authenticateApiKey } from '../auth/api-keys';
import type { Caller } from '../auth/caller';
import { callerScope, forbiddenFor, opensBeforeEnrolment, type Permission, type Scope } from '../auth/permissions';
import { secretsOf } from '../auth/keys';
import { authenticate, readCookie } from '../auth/session';
import { assertEnrolled } from '../auth/two-factor';
import type { Db, Queryable } from '../db';
import { limitApiKey } from './api-key-limit';
import { AppError, forbidden } from '../errors';
import { parseOrThrow, searchParamsObject } from '../validation';
import { bodyTypeOf, parseJsonText, readText, type BodyType } from './body';
import { assertStorableText } from '../text';
import { clientOf } from './client-address';
import { assertSameOrigin } from './csrf';
import type { Claim } from '../idempotency/store';
import { claimed, idempotent, readIdempotencyKey } from './idempotency';
import { errorResponse, json } from './respond';

/**
 * Where a route's tenant comes from. `scope`: the caller's reach (every customer, or their own);
 * `{ body | query | params: field }`: a customer id the request names, which an `own` caller may
 * only name for their own customer; `action` completes "You can only … your own customer account".
 */
export type TenantSource =
  | 'scope'
  | { body: string; action: string }
  | { query: string; action: string }
  | { params: string; action: string };

export interface RouteSpec<P, Q, B> {
  permission: Permission;
  /** One line for the API reference (GET /api/openapi.json). */
  summary?: string;
  /** The success body, documented and checked against live answers by the OpenAPI test. */
  response?: z.ZodType;
  /** Statuses the domain itself answers (402, 409, …), beyond those the declaration implies. */
  errors?: number[];
  /** A request the API reference shows, and the OpenAPI test sends. */
  example?: { params?: Record<string, string>; query?: Record<string, string>; body?: unknown };
  params?: z.ZodType<P, unknown>;
  query?: z.ZodType<Q, unknown>;
  /**
   * The body as `Content-Type: application/json`. A mutating request whose body is of a type the
   * route doesn't read (this, `csv`) is a 415 before it is read; so is a body sent to a route that
   * reads none unless it is JSON.
   */
  body?: z.ZodType<B, unknown>;
  /** Also accept `Content-Type: text/csv`: the body's text goes through this schema instead of `body`. */
  csv?: z.ZodType<B, unknown>;
  /** A body limit above the default 64 KiB (an upload). */
  maxBodyBytes?: number;
  /** Other success answers a handler may give with `answer(status, body)` (e.g. 202 for a pending approval). */
  alternatives?: Record<number, z.ZodType>;
  tenant?: TenantSource;
  /** Honour Idempotency-Key: keys are scoped to this name and the caller. */
  idempotent?: string;
  /**
   * How: `transaction` (default) runs the handler in one transaction with its stored response;
   * `claim`, for a handler that calls out (a look-up), holds no transaction around it: the handler
   * claims the key in its own first transaction (`ctx.claim`), its answer is stored when it ends,
   * and a retry meanwhile is a 409.
   */
  idempotency?: 'transaction' | 'claim';
  /** Status of a successful answer (default 200). */
  status?: number;
}

export interface RouteContext<P, Q, B> {
  req: Request;
  db: Db;
  /**
   * Where reads that may lag behind the primary go: the read replica (DATABASE_READ_URL), unless
   * this client wrote something the replica hasn't replayed yet, or it is down. Admin lists,
   * exports and the overview read here; everything else reads `db`.
   */
  reads: Queryable;
  caller: Caller;
  /** The session key secrets, current first (what 2FA secrets are sealed with). */
  secrets: string[];
  /** The caller's reach for this route's permission. */
  scope: Scope;
  /** The customer the route acts on; undefined: every customer (an `any` caller naming none). */
  tenant: number | undefined;
  params: P;
  query: Q;
  body: B;
  /** With `idempotency: 'claim'` and an Idempotency-Key: call inside the transaction that starts the work. */
  claim?: Claim;
  /** Runs fn once the handler's writes are committed and its answer stored (e.g. wake a job up). */
  afterCommit(fn: () => unknown): void;
}

/** A success answer with a status other than the route's (declared in `alternatives`). */
export class Answer {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}
export const answer = (status: number, body: unknown) => new Answer(status, body);

/** A handler's answer: a body sent as JSON with the route's status, or a Response of its own (a stream). */
export type Handler<P, Q, B> = (ctx: RouteContext<P, Q, B>) => Promise<unknown>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Next types each route's params itself
type RouteFn = (req: Request, ctx: { params: Promise<any> }) => Promise<Response>;

export type RouteHandler = RouteFn & { spec: RouteSpec<unknown, unknown, unknown> };

function requestedTenant(source: TenantSource, input: Record<'body' | 'query' | 'params', unknown>): number | undefined {
  if (source === 'scope') return undefined;
  const [where, field] = Object.entries(source).find(([k]) => k !== 'action') as ['body' | 'query' | 'params', string];
  const value = (input[where] as Record<string, unknown> | undefined)?.[field];
  return typeof value === 'number' ? value : undefined;
}

/**
 * The customer a caller may act on. `own` callers are pinned to their customer: asking for another
 * one is refused before anything is looked up, so other tenants' ids reveal nothing.
 */
export function resolveTenant(caller: Pick<Caller, 'customerId'>, scope: Scope, requested: number | undefined, action: string): number | undefined {
  if (scope === 'any') return requested;
  const own = caller.customerId!;
  if (requested !== undefined && requested !== own) {
    throw forbidden('Forbidden', `You can only ${action} your own customer account`);
  }
  return own;
}

/**
 * Who makes the request: an `Authorization` header is an API key (no cookie is read, and no
 * Origin check applies: a browser never attaches the header by itself), else the session cookie.
 */
async function callerOf(req: Request, db: Db, secrets: string[]): Promise<Caller> {
  const authorization = req.headers.get('authorization');
  if (authorization === null) return authenticate(db, secrets, req.headers.get('cookie'), clientOf(req.headers));
  const caller = await authenticateApiKey(db, authorization, clientOf(req.headers));
  await limitApiKey(db, caller.apiKey!);
  return caller;
}

/**
 * The one door into every API route: CSRF check (cookies only), session or API key → fresh caller,
 * two-factor enrolment where the caller's role requires it, permission, typed input
 * (params, query, body, each through its zod schema), the tenant, and Idempotency-Key replay around
 * the handler; whatever is thrown becomes the `{ error, details, code }` response.
 */
export function route<P = undefined, Q = undefined, B = undefined>(spec: RouteSpec<P, Q, B>, handler: Handler<P, Q, B>): RouteHandler {
  const run: RouteFn = async (req, ctx) => {
    try {
      if (!req.headers.has('authorization')) assertSameOrigin(req);
      const { db, sessionSecret } = await app();
      const secrets = secretsOf(sessionSecret);
      const caller = await callerOf(req, db, secrets);
      assertEnrolled(caller, opensBeforeEnrolment(spec.permission));
      const scope = callerScope(caller, spec.permission);
      if (!scope) {
        const { error, details } = forbiddenFor(caller, spec.permission);
        throw new AppError('forbidden', error, details);
      }
      const mutating = MUTATING.has(req.method);
      const bodyType = mutating ? bodyTypeOf(req, bodyTypesOf(spec), spec.body !== undefined || spec.csv !== undefined) : null;
      const params = (spec.params ? parseOrThrow(spec.params, await ctx.params) : undefined) as P;
      const query = (spec.query ? parseOrThrow(spec.query, searchParamsObject(new URL(req.url))) : undefined) as Q;
      const body = (spec.body || spec.csv ? await readBody(req, spec, bodyType ?? 'json') : undefined) as B;
      const tenant = spec.tenant
        ? resolveTenant(caller, scope, requestedTenant(spec.tenant, { body, query, params }), spec.tenant === 'scope' ? 'act on' : spec.tenant.action)
        : undefined;
      const status = spec.status ?? 200;
      const reads = db.reads(readCookie(req.headers.get('cookie'), READ_AFTER_COOKIE));
      const committed: Array<() => unknown> = [];
      const afterCommit = (fn: () => unknown) => void committed.push(fn);
      const call = async (db: Db, claim?: Claim) => {
        const out = await handler({ req, db, reads, caller, secrets, scope, tenant, params, query, body, claim, afterCommit });
        if (out instanceof Answer) return { status: out.status, body: out.body };
        return out instanceof Response ? out : { status, body: out };
      };
      const stored = async (db: Db, claim?: Claim) => {
        const answer = await call(db, claim);
        if (answer instanceof Response) throw new Error(`idempotent route ${spec.idempotent} answered a raw Response`);
        return answer;
      };
      const key = spec.idempotent ? readIdempotencyKey(req) : null;
      // Keys are stored per user (a key's is its creator): a key replays only its own answers, and the
      // same Idempotency-Key from its creator or their other keys (maybe another tenant's) is a 409.
      const endpointName = caller.apiKey ? `${spec.idempotent}@api-key:${caller.apiKey.id}` : spec.idempotent!;
      const request = key && { userId: caller.id, key, endpoint: endpointName, request: { params, query, body } };
      const out = !request
        ? await call(db)
        : spec.idempotency === 'claim'
          ? await claimed(db, request, (claim) => stored(db, claim))
          : await idempotent(db, request, (tx) => stored(tx));
      for (const fn of committed) {
        void Promise.resolve()
          .then(fn)
          .catch((err: Error) => console.error(`[api] after-commit step of ${spec.permission} failed: ${err.message}`));
      }
      const headers = mutating ? await readAfterCookie(db) : {};
      return out instanceof Response ? out : json(out.body, out.status, headers);
    } catch (err) {
      return errorResponse(err);
    }
  };
  return Object.assign(run, { spec: spec as RouteSpec<unknown, unknown, unknown> });
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

// With a read replica, a write's answer carries the primary's WAL position: this client's lag-
// tolerant reads go to the replica only once it has replayed that far (read-your-own-writes).
const READ_AFTER_COOKIE = 'rt-read-after';
async function readAfterCookie(db: Db): Promise<Record<string, string>> {
  const lsn = await db.writePosition().catch(() => null);
  return lsn ? { 'Set-Cookie': `${READ_AFTER_COOKIE}=${lsn}; Path=/; HttpOnly; SameSite=Lax; Max-Age=60` } : {};
}

/** The body types a route reads: JSON with `body`, a CSV upload's text with `csv`; a route with neither, no body but JSON's. */
export function bodyTypesOf(spec: Pick<RouteSpec<unknown, unknown, unknown>, 'body' | 'csv'>): BodyType[] {
  const types: BodyType[] = [...(spec.body ? (['json'] as const) : []), ...(spec.csv ? (['csv'] as const) : [])];
  return types.length > 0 ? types : ['json'];
}

/** The body, read as the type it came as, through that type's schema. */
async function readBody<B>(req: Request, spec: RouteSpec<unknown, unknown, B>, type: BodyType): Promise<B> {
  const text = await readText(req, spec.maxBodyBytes);
  if (type === 'csv') {
    assertStorableText(text);
    return parseOrThrow(spec.csv!, text);
  }
  return parseOrThrow(spec.body!, parseJsonText(text));
}

/** What an unauthenticated route is given: the raw body (its bytes are what a signature covers) and the headers. */
export interface SignedRequest {
  db: Db;
  body: string;
  headers: Headers;
}

/**
 * A route that no session opens: the sender proves itself by a signature over the raw body, which
 * the handler's domain call verifies (Stripe's webhook). No cookie is read, so there is no session
 * and no CSRF to check; errors still leave in the `{ error, details, code }` shape. `maxBytes`
 * bounds the body (Stripe's events are larger than the API's 64 KB).
 */
export function signedRoute(spec: { signedBy: string; maxBytes: number; type: BodyType }, handler: (ctx: SignedRequest) => Promise<unknown>): RouteFn & { signedBy: string } {
  const run: RouteFn = async (req) => {
    try {
      bodyTypeOf(req, [spec.type], true);
      const body = await readText(req, spec.maxBytes);
      const { db } = await app();
      return json(await handler({ db, body, headers: req.headers }));
    } catch (err) {
      return errorResponse(err);
    }
  };
  return Object.assign(run, { signedBy: spec.signedBy });
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
type Method = (typeof METHODS)[number];

/**
 * A route file's exports: the methods it implements, and for every other method a 405 in the API's
 * error shape (Next's own 405 has an empty body).
 */
export function endpoint(handlers: Partial<Record<Method, RouteFn>>): Record<Method, RouteFn> {
  const allowed = METHODS.filter((m) => handlers[m]).join(', ');
  // Marked, so that tests reading the route modules can tell a fallback from a route.
  const notAllowed = Object.assign(
    async (req: Request) =>
      errorResponse(new AppError('method_not_allowed', 'Method not allowed', `${req.method} is not supported here; use ${allowed}`, { Allow: allowed })),
    { methodNotAllowed: true as const },
  );
  return Object.fromEntries(METHODS.map((m) => [m, handlers[m] ?? notAllowed])) as Record<Method, RouteFn>;
}

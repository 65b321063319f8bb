import 'server-only';
import { z } from 'zod';
import { keyMayHold } from '../auth/permissions';
import type { RouteSpec } from './door';

/**
 * The OpenAPI 3.1 document, generated from the routes' own declarations: their zod schemas for
 * params, query, body and response, their permission, and the statuses the door implies. Nothing
 * here is written by hand per route, so the reference can't drift from the code.
 */

export interface DeclaredRoute {
  /** `/api/admin/customers/{id}` */
  path: string;
  method: string;
  spec: RouteSpec<unknown, unknown, unknown>;
}

const ERROR = {
  type: 'object',
  required: ['error', 'details', 'code'],
  properties: {
    error: { type: 'string', description: 'A short message for people, e.g. "Maximum 10,000 credits exceeded"' },
    details: { description: 'More detail: a sentence, or an object naming each bad field', oneOf: [{ type: 'string' }, { type: 'object' }] },
    code: { type: 'string', description: 'A stable machine code: validation_failed, forbidden, not_found, conflict, …' },
  },
};

const STATUS_TEXT: Record<number, string> = {
  202: 'Accepted: waiting for an approval, or queued as a job',
  400: 'Invalid input (validation_failed) or a malformed request (bad_request)',
  401: 'Not signed in, the session has ended, or the API key is unknown, revoked or expired',
  402: 'Insufficient credits, or a spending limit reached',
  403: 'The caller lacks the permission, or names another customer',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict (e.g. an Idempotency-Key reused for another request)',
  413: 'Body over 64 KB',
  415: 'Unsupported content type',
  429: 'Rate limited (an API key: API_KEY_RATE_LIMIT a minute); retry after Retry-After seconds',
  502: 'An upstream service (Roblox) failed',
  503: 'Temporarily unavailable; retry after Retry-After seconds',
};

/** Answers may gain fields (an additive change is not a breaking one): their objects stay open. */
function openObjects(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(openObjects);
  if (!schema || typeof schema !== 'object') return schema;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([k, v]) => !(k === 'additionalProperties' && v === false))
      .map(([k, v]) => [k, openObjects(v)]),
  );
}

const json = (schema: z.ZodType, io: 'input' | 'output') => {
  const { $schema: _drop, ...out } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  return io === 'output' ? (openObjects(out) as Record<string, unknown>) : out;
};

/** Statuses a declaration implies: every door route can be 401/403; input can be 400; … */
function errorStatuses(spec: RouteSpec<unknown, unknown, unknown>): number[] {
  const statuses = new Set([401, 403, ...(spec.errors ?? [])]);
  if (keyMayHold(spec.permission)) statuses.add(429);
  if (spec.params || spec.query || spec.body || spec.csv) statuses.add(400);
  if (spec.params) statuses.add(404);
  if (spec.idempotent) statuses.add(409);
  if (spec.body || spec.csv) {
    statuses.add(413);
    statuses.add(415);
  }
  return [...statuses].sort((a, b) => a - b);
}

function parameters(route: DeclaredRoute) {
  const out: unknown[] = [];
  const add = (where: 'path' | 'query', schema: z.ZodType | undefined, example?: Record<string, string>) => {
    if (!schema) return;
    const s = json(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, prop] of Object.entries(s.properties ?? {})) {
      out.push({
        name,
        in: where,
        required: where === 'path' || (s.required ?? []).includes(name),
        schema: prop,
        ...(example?.[name] !== undefined ? { example: example[name] } : {}),
      });
    }
  };
  add('path', route.spec.params, route.spec.example?.params);
  add('query', route.spec.query, route.spec.example?.query);
  if (route.spec.idempotent) {
    out.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description: 'Any 1–255 visible ASCII characters (e.g. a UUID): a retry with the same key answers the first response and changes nothing more.',
      schema: { type: 'string', minLength: 1, maxLength: 255 },
    });
  }
  return out;
}

function operation(route: DeclaredRoute) {
  const { spec } = route;
  const success = String(spec.status ?? 200);
  const responses: Record<string, unknown> = {
    [success]: {
      description: 'Success',
      content: spec.response ? { 'application/json': { schema: json(spec.response, 'output') } } : { 'application/json': {} },
    },
  };
  for (const [status, schema] of Object.entries(spec.alternatives ?? {})) {
    responses[status] = { description: STATUS_TEXT[Number(status)] ?? 'Success', content: { 'application/json': { schema: json(schema, 'output') } } };
  }
  for (const status of errorStatuses(spec)) {
    responses[String(status)] = { description: STATUS_TEXT[status] ?? 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  }
  return {
    operationId: `${route.method.toLowerCase()}${route.path.replace(/\{(\w+)\}/g, 'By_$1').replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`,
    summary: spec.summary ?? `${route.method} ${route.path}`,
    description: keyMayHold(spec.permission)
      ? `Permission: \`${spec.permission}\`.`
      : `Permission: \`${spec.permission}\` (a signed-in session only: no API key can hold it).`,
    tags: [route.path.split('/')[route.path.startsWith('/api/admin/') ? 3 : 2] ?? 'api'],
    security: keyMayHold(spec.permission) ? [{ session: [] }, { apiKey: [] }] : [{ session: [] }],
    parameters: parameters(route),
    ...(spec.body
      ? {
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: json(spec.body, 'input'), ...(spec.example?.body !== undefined ? { example: spec.example.body } : {}) },
              ...(spec.csv ? { 'text/csv': { schema: { type: 'string' } } } : {}),
            },
          },
        }
      : {}),
    responses,
  };
}

function healthSchema(up: boolean) {
  return {
    type: 'object',
    required: ['ok', 'status', 'database'],
    properties: {
      ok: { const: up },
      status: { const: up ? 'ok' : 'unavailable' },
      database: {
        type: 'object',
        required: ['kind', 'host', 'port', 'writable'],
        properties: {
          kind: { enum: up ? ['postgres', 'pglite'] : ['postgres', 'pglite', null] },
          host: { type: ['string', 'null'] },
          port: { type: ['integer', 'null'] },
          writable: { const: up },
        },
      },
    },
  };
}

/** The routes outside the door: NextAuth's sign-in, the health check and Stripe's webhook, described as they answer. */
const PUBLIC_PATHS = {
  '/api/health': {
    get: {
      operationId: 'getApiHealth',
      summary: 'Health check for load balancers: which database node this instance is on; 200 when it takes writes',
      tags: ['health'],
      security: [],
      responses: {
        '200': { description: 'Up', content: { 'application/json': { schema: healthSchema(true) } } },
        '503': { description: 'No database node that takes writes (unreachable, read-only, a failover under way)', content: { 'application/json': { schema: healthSchema(false) } } },
      },
    },
  },
  '/api/openapi.json': {
    get: {
      operationId: 'getApiOpenapiJson',
      summary: 'This document',
      tags: ['reference'],
      security: [],
      responses: { '200': { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } } },
    },
  },
  '/api/webhooks/stripe': {
    post: {
      operationId: 'postApiWebhooksStripe',
      summary: "Stripe's events: no session, Stripe-Signature is verified over the raw body (5-minute tolerance)",
      tags: ['webhooks'],
      security: [],
      parameters: [{ name: 'Stripe-Signature', in: 'header', required: true, schema: { type: 'string' } }],
      requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', description: 'A Stripe event, as Stripe sends it' } } } },
      responses: {
        '200': {
          description: 'Handled once (a replay answers `duplicate`), or ignored',
          content: { 'application/json': { schema: { type: 'object', required: ['received', 'outcome'], properties: { received: { const: true }, outcome: { type: 'string' } } } } },
        },
        '400': { description: 'Missing or bad signature: nothing changed', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        '409': { description: "A refund that overtook its payment's event: Stripe retries it", content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        '413': { description: 'Body over 1 MB', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        '415': { description: 'A body that is not application/json', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        '503': { description: 'STRIPE_WEBHOOK_SECRET is not set', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    },
  },
  '/api/auth/csrf': {
    get: {
      operationId: 'getApiAuthCsrf',
      summary: 'NextAuth: the CSRF token a sign-in form posts (sets its cookie)',
      tags: ['auth'],
      security: [],
      responses: { '200': { description: 'The token', content: { 'application/json': { schema: { type: 'object', required: ['csrfToken'], properties: { csrfToken: { type: 'string' } } } } } } },
    },
  },
  '/api/auth/callback/credentials': {
    post: {
      operationId: 'postApiAuthCallbackCredentials',
      summary: 'NextAuth: sign in with username and password; the answer sets next-auth.session-token',
      tags: ['auth'],
      security: [],
      requestBody: {
        required: true,
        content: {
          'application/x-www-form-urlencoded': {
            schema: {
              type: 'object',
              required: ['csrfToken', 'username', 'password'],
              properties: { csrfToken: { type: 'string' }, username: { type: 'string' }, password: { type: 'string', format: 'password' } },
            },
          },
        },
      },
      responses: {
        '302': { description: 'Signed in (the session cookie is set) or refused (redirect to /login with an error)' },
        '400': { description: 'Malformed sign-in', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        '429': { description: 'Too many failed sign-ins; retry after Retry-After seconds', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    },
  },
};

export function buildOpenApi(routes: DeclaredRoute[], version: string) {
  const paths: Record<string, Record<string, unknown>> = { ...PUBLIC_PATHS };
  for (const route of [...routes].sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method))) {
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'roblox-tool API',
      version,
      description:
        'Credit management for paid Roblox look-ups. Every error is `{ error, details, code }`. Sign in through NextAuth ' +
        '(see the README) and send the `next-auth.session-token` cookie (writes from a browser must come from this site), ' +
        'or send `Authorization: Bearer rtk_…` with an API key made on the dashboard (or POST /api/admin/api-keys).',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'next-auth.session-token', description: 'The session cookie a sign-in sets' },
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'rtk_…',
          description: "An API key (rtk_ and 43 characters), with the key's permissions and customer; no Origin check applies",
        },
      },
      schemas: { Error: ERROR },
    },
    paths,
  };
}

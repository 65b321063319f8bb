import type { IncomingHttpHeaders } from 'node:http';
import Stripe from 'stripe';
import { createSession, expireSession } from './checkout';
import { invalidRequest, StripeApiError } from './errors';
import { parseForm, type Params } from './form';
import { createCustomer, listPaymentMethods, updateCustomer } from './customers';
import { createPaymentIntent, createRefund, refundInput } from './payments';
import { newId, type Store } from './store';
import type { EventRequest } from './types';

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

interface Call {
  id: string;
  params: Params;
  request: EventRequest;
  path: string;
}

type Route = [method: 'GET' | 'POST', pattern: string, handler: (call: Call) => unknown];

function routes(store: Store, baseUrl: string): Route[] {
  return [
    ['POST', '/v1/checkout/sessions', ({ params }) => createSession(store, params, baseUrl)],
    ['GET', '/v1/checkout/sessions/:id', ({ id }) => store.get('checkout.session', id)],
    ['POST', '/v1/checkout/sessions/:id/expire', ({ id, request }) => expireSession(store, id, request)],
    ['POST', '/v1/customers', ({ params }) => createCustomer(store, params)],
    ['GET', '/v1/customers/:id', ({ id }) => store.get('customer', id)],
    ['POST', '/v1/customers/:id', ({ id, params }) => updateCustomer(store, id, params)],
    ['GET', '/v1/customers/:id/payment_methods', ({ id, params, path }) => listPaymentMethods(store, store.get('customer', id), params, path)],
    [
      'GET',
      '/v1/payment_methods',
      ({ params, path }) => listPaymentMethods(store, store.get('customer', params.requiredString('customer'), 'customer'), params, path),
    ],
    ['GET', '/v1/payment_methods/:id', ({ id }) => store.get('payment_method', id)],
    ['POST', '/v1/payment_intents', ({ params, request }) => createPaymentIntent(store, params, request)],
    ['GET', '/v1/payment_intents/:id', ({ id }) => store.get('payment_intent', id)],
    ['GET', '/v1/setup_intents/:id', ({ id }) => store.get('setup_intent', id)],
    ['GET', '/v1/charges/:id', ({ id }) => store.get('charge', id)],
    ['POST', '/v1/refunds', ({ params, request }) => createRefund(store, refundInput(params), request)],
    ['GET', '/v1/refunds/:id', ({ id }) => store.get('refund', id)],
    ['GET', '/v1/events/:id', ({ id }) => store.get('event', id)],
  ];
}

/** The `:id` of `pattern` in `path`, '' for a pattern without one, or null when they don't match. */
function matchPath(pattern: string, path: string): string | null {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return null;
  let id = '';
  for (const [i, segment] of want.entries()) {
    if (segment === ':id') id = decodeURIComponent(got[i]!);
    else if (segment !== got[i]) return null;
  }
  return id;
}

function authenticate(header: string | undefined): void {
  if (!header) {
    throw invalidRequest(
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
      { status: 401 },
    );
  }
  // Bearer is what the client sends; Basic (`curl -u sk_test_…:`) is what Stripe's own examples use.
  const [scheme, credential = ''] = header.split(' ');
  const key = scheme === 'Basic' ? Buffer.from(credential, 'base64').toString().split(':')[0]! : scheme === 'Bearer' ? credential : '';
  if (!/^(sk|rk)_test_\w+$/.test(key)) {
    throw invalidRequest(`Invalid API Key provided: ${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`, { status: 401 });
  }
}

/** `expand[]=payment_intent.latest_charge`: replaces each id on the path by its object, as Stripe does. */
function expand(node: Record<string, unknown>, path: string[], full: string, store: Store): void {
  const [field, ...rest] = path;
  if (field === undefined || !(field in node)) throw invalidRequest(`This property cannot be expanded (${full}).`, { param: 'expand' });
  let value = node[field];
  if (typeof value === 'string') {
    const target = store.byId(value);
    if (!target) throw invalidRequest(`This property cannot be expanded (${full}).`, { param: 'expand' });
    value = node[field] = structuredClone(target);
  }
  if (!rest.length || value === null || typeof value !== 'object') return;
  for (const child of Array.isArray(value) ? value : [value]) expand(child as Record<string, unknown>, rest, full, store);
}

const json = (status: number, body: unknown): ApiResponse => ({
  status,
  // Stripe pretty-prints its answers; clients don't care, people reading logs do.
  body: JSON.stringify(body, null, 2),
  headers: { 'content-type': 'application/json' },
});

/** Runs `answer`, turning a Stripe error it throws into Stripe's error response. */
function orError(answer: () => ApiResponse): ApiResponse {
  try {
    return answer();
  } catch (err) {
    if (!(err instanceof StripeApiError)) throw err;
    return json(err.status, { error: err.body });
  }
}

/**
 * The `/v1` API. Each call runs start to finish without awaiting, so concurrent requests never see
 * each other's half-made changes (as Stripe's locking guarantees too).
 */
export function createApi(store: Store, baseUrl: string): (method: string, url: URL, headers: IncomingHttpHeaders, body: string) => ApiResponse {
  const table = routes(store, baseUrl);
  // Idempotency-Key → the first answer, for a retry to get it again instead of acting twice.
  const replies = new Map<string, { fingerprint: string; response: ApiResponse }>();

  function execute(method: string, url: URL, body: string, request: EventRequest): ApiResponse {
    return orError(() => {
      const params = parseForm(method === 'POST' ? body : url.search.slice(1));
      for (const [routeMethod, pattern, handler] of table) {
        const id = routeMethod === method ? matchPath(pattern, url.pathname) : null;
        if (id === null) continue;
        const result = structuredClone(handler({ id, params, request, path: url.pathname })) as Record<string, unknown>;
        for (const path of params.strings('expand')) expand(result, path.split('.'), path, store);
        return json(200, result);
      }
      throw invalidRequest(
        `Unrecognized request URL (${method}: ${url.pathname}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
        { status: 404 },
      );
    });
  }

  return (method, url, headers, body) => {
    const requestId = newId('req_', 14);
    const key = typeof headers['idempotency-key'] === 'string' ? headers['idempotency-key'] : null;
    const response = orError(() => {
      authenticate(headers.authorization);
      // Stripe ignores the key on GET, which is idempotent anyway.
      if (method !== 'POST' || !key) return execute(method, url, body, { id: requestId, idempotency_key: null });
      const fingerprint = `${url.pathname}\n${body}`;
      const saved = replies.get(key);
      if (saved && saved.fingerprint !== fingerprint) {
        throw new StripeApiError(400, {
          type: 'idempotency_error',
          message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
        });
      }
      if (saved) return { ...saved.response, headers: { ...saved.response.headers, 'idempotent-replayed': 'true' } };
      const fresh = execute(method, url, body, { id: requestId, idempotency_key: key });
      // Stripe saves the result of a call that ran (a success, or a decline); a request it refused
      // up front (bad params, unknown ids) may be retried with the same key once fixed.
      if (fresh.status === 200 || fresh.status === 402) replies.set(key, { fingerprint, response: fresh });
      return fresh;
    });
    const echoed: Record<string, string> = { 'request-id': requestId, 'stripe-version': String(headers['stripe-version'] ?? Stripe.API_VERSION) };
    if (key) echoed['idempotency-key'] = key;
    return { ...response, headers: { ...response.headers, ...echoed } };
  };
}

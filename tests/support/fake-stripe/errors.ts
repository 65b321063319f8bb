import type { PaymentIntent, PaymentMethod } from './types';

export interface StripeErrorBody {
  type: 'invalid_request_error' | 'card_error' | 'idempotency_error' | 'api_error';
  message: string;
  code?: string;
  decline_code?: string;
  doc_url?: string;
  param?: string;
  charge?: string;
  payment_intent?: PaymentIntent;
  payment_method?: PaymentMethod;
}

/** An error the fake answers with, in Stripe's `{ error: {...} }` shape and with Stripe's status code. */
export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
  ) {
    super(body.message);
  }
}

// Stripe links every coded error to its page; clients and logs show it.
export const docUrl = (code: string) => `https://stripe.com/docs/error-codes/${code.replace(/_/g, '-')}`;

export function invalidRequest(message: string, opts: { code?: string; param?: string; status?: number } = {}): StripeApiError {
  const { code, param, status = 400 } = opts;
  return new StripeApiError(status, {
    type: 'invalid_request_error',
    message,
    ...(code && { code, doc_url: docUrl(code) }),
    ...(param && { param }),
  });
}

export const missingParam = (param: string) => invalidRequest(`Missing required param: ${param}.`, { code: 'parameter_missing', param });

/**
 * Stripe answers 404 for an id in the URL, and 400 for an id passed as a parameter (the request, not
 * the URL, is wrong); both say `resource_missing`.
 */
export const noSuch = (label: string, id: string, param: string, status: 404 | 400) =>
  invalidRequest(`No such ${label}: '${id}'`, { code: 'resource_missing', param, status });

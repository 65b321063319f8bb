import 'server-only';

/**
 * The one error type of the app. Every API error leaves as `{ error, details, code }`: `error` and
 * `details` are the guide's two fields, `code` is stable for programs (`validation_failed`, …).
 */
const STATUS = {
  bad_request: 400,
  validation_failed: 400,
  unauthorized: 401,
  invalid_credentials: 401,
  totp_required: 401,
  totp_invalid: 401,
  insufficient_credits: 402,
  monthly_limit_reached: 402,
  forbidden: 403,
  two_factor_required: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  daily_limit_reached: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  bad_gateway: 502,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof STATUS;
export type ErrorDetails = string | Record<string, unknown>;

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.status = STATUS[code];
  }

  toJSON() {
    return { error: this.message, details: this.details, code: this.code };
  }
}

export const badRequest = (message: string, details: ErrorDetails) => new AppError('bad_request', message, details);
export const invalid = (message: string, details: ErrorDetails) => new AppError('validation_failed', message, details);
export const notFound = (what: string, details: ErrorDetails) => new AppError('not_found', `${what} not found`, details);
export const conflict = (message: string, details: ErrorDetails) => new AppError('conflict', message, details);
export const forbidden = (message: string, details: ErrorDetails) => new AppError('forbidden', message, details);

/** PostgreSQL error fields we look at (pg and PGlite both expose them). */
export interface PgError {
  code?: string;
  constraint?: string;
}

export function isPgError(err: unknown, code: string, constraint?: string): err is PgError {
  const e = err as PgError | null;
  return !!e && typeof e === 'object' && e.code === code && (constraint === undefined || e.constraint === constraint);
}

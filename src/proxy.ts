import { NextResponse, type NextRequest } from 'next/server';

const ROUTED_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE']);

const apiError = (status: number, error: string, details: string, code: string, headers?: Record<string, string>) =>
  NextResponse.json({ error, details, code }, { status, headers });

/**
 * Requests that would fail inside Next's router with a bare 500 get the API's error shape here:
 * paths with broken percent-encoding ("/api/admin/customers/%zz") and methods no route handler
 * can implement (TRACE, CONNECT, …).
 */
export function proxy(req: NextRequest) {
  if (!ROUTED_METHODS.has(req.method)) {
    return apiError(405, 'Method not allowed', `${req.method} is not supported by this API`, 'method_not_allowed', {
      Allow: [...ROUTED_METHODS].join(', '),
    });
  }
  try {
    decodeURIComponent(req.nextUrl.pathname);
    return NextResponse.next();
  } catch {
    return apiError(400, 'Malformed URL', 'The request path is not valid percent-encoding', 'bad_request');
  }
}

export const config = { matcher: '/api/:path*' };

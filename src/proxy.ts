import { NextResponse, type NextRequest } from 'next/server';

/**
 * API paths whose percent-encoding is broken ("/api/admin/customers/%zz") would fail inside Next's
 * router with a bare 500; they get the API's 400 `{ error, details, code }` here instead.
 */
export function proxy(req: NextRequest) {
  try {
    decodeURIComponent(req.nextUrl.pathname);
    return NextResponse.next();
  } catch {
    return NextResponse.json(
      { error: 'Malformed URL', details: 'The request path is not valid percent-encoding', code: 'bad_request' },
      { status: 400 },
    );
  }
}

export const config = { matcher: '/api/:path*' };

import { NextResponse, type NextRequest } from 'next/server';
import { config as appConfig } from './app/lib/config';

/**
 * Pages get a Content-Security-Policy with a fresh nonce per response and no 'unsafe-inline' for
 * scripts: Next reads the nonce from the request's CSP header and puts it on its own inline
 * scripts, so an injected <script> without it doesn't run. (API routes don't pass through here:
 * their fixed policy is in next.config.ts, and broken paths are answered by the server hooks,
 * src/app/lib/http/server-hooks.ts.)
 */
export function proxy(req: NextRequest) {
  const nonce = btoa(crypto.randomUUID());
  const csp = [
    "default-src 'self'",
    // 'strict-dynamic': scripts the nonced ones load (Next's chunks) are trusted; 'unsafe-eval' only for `next dev`'s refresh.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${appConfig.isProduction ? '' : " 'unsafe-eval'"}`,
    "style-src 'self' 'unsafe-inline'",
    // Roblox's CDN serves the avatar headshots of profile look-ups.
    "img-src 'self' data: https://*.rbxcdn.com",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  const headers = new Headers(req.headers);
  headers.set('x-nonce', nonce);
  headers.set('content-security-policy', csp);
  const res = NextResponse.next({ request: { headers } });
  res.headers.set('Content-Security-Policy', csp);
  return res;
}

export const config = {
  matcher: [
    {
      source: '/((?!api/|_next/static|_next/image|favicon.ico).*)',
      missing: [
        { type: 'header', key: 'next-router-prefetch' },
        { type: 'header', key: 'purpose', value: 'prefetch' },
      ],
    },
  ],
};

import type { NextConfig } from 'next';

const securityHeaders = [
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
  { key: 'X-Frame-Options', value: 'DENY' },
  { key: 'Strict-Transport-Security', value: 'max-age=31536000; includeSubDomains' },
  { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=(), payment=()' },
  { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
];

// API answers are JSON and CSV, never a page: nothing may run or be framed. Pages get a nonce-based
// policy per response from src/proxy.ts.
const apiCsp = { key: 'Content-Security-Policy', value: "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'" };

const nextConfig: NextConfig = {
  // PGlite ships WASM and data files it loads from its own package directory; argon2 is a native addon;
  // pg (and pg-boss, which runs on it) stay plain Node modules.
  serverExternalPackages: ['@electric-sql/pglite', '@electric-sql/pglite-socket', '@node-rs/argon2', 'pg', 'pg-boss'],
  poweredByHeader: false,
  // The build checks the app; tests and scripts are checked by `npm run typecheck`.
  typescript: { tsconfigPath: 'tsconfig.app.json' },
  async headers() {
    return [
      { source: '/:path*', headers: securityHeaders },
      { source: '/api/:path*', headers: [apiCsp] },
    ];
  },
};

export default nextConfig;

import type { Metadata } from 'next';
import { headers } from 'next/headers';

export const metadata: Metadata = { title: 'API reference' };

/**
 * The API reference: Scalar's viewer (served from this origin, no CDN, no outside fonts) over the
 * document the build generated from the routes' own zod declarations.
 */
export default async function DocsPage() {
  // The page's CSP trusts scripts by nonce (src/proxy.ts); what the viewer loads itself follows ('strict-dynamic').
  const nonce = (await headers()).get('x-nonce') ?? undefined;
  const configuration = JSON.stringify({ withDefaultFonts: false, hideClientButton: true, showDeveloperTools: 'never', layout: 'modern' });
  return (
    <main id="main">
      <noscript>The API reference needs JavaScript; the raw document is at /api/openapi.json.</noscript>
      <script id="api-reference" data-url="/api/openapi.json" data-configuration={configuration} />
      <script src="/docs/scalar.js" async nonce={nonce} />
    </main>
  );
}

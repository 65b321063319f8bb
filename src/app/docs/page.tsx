import type { Metadata } from 'next';

export const metadata: Metadata = { title: 'API reference' };

/**
 * The API reference: Scalar's viewer (served from this origin, no CDN, no outside fonts) over the
 * document the build generated from the routes' own zod declarations.
 */
export default function DocsPage() {
  const configuration = JSON.stringify({ withDefaultFonts: false, hideClientButton: true, showDeveloperTools: 'never', layout: 'modern' });
  return (
    <main id="main">
      <noscript>The API reference needs JavaScript; the raw document is at /api/openapi.json.</noscript>
      <script id="api-reference" data-url="/api/openapi.json" data-configuration={configuration} />
      <script src="/docs/scalar.js" async />
    </main>
  );
}

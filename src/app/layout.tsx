import type { Metadata, Viewport } from 'next';
import { connection } from 'next/server';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'roblox-tool', template: '%s · roblox-tool' },
  description: 'Credit management back office for Roblox look-ups',
};

export const viewport: Viewport = { width: 'device-width', initialScale: 1 };

// Rendered per request: the nonce of the page's Content-Security-Policy (src/proxy.ts) is new each time.
export default async function RootLayout({ children }: { children: React.ReactNode }) {
  await connection();
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}

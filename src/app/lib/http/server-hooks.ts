import 'server-only';
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PEER_HEADER, peerStamp } from './client-address';

/**
 * What must happen to a request before Next.js turns it into a web Request: stamp the socket's
 * address on it (client-address.ts), and answer the methods a web Request can't even represent
 * (TRACE, TRACK, CONNECT) with a 405 in the API's error shape, where Next would fail with a 500.
 * Installed once per process, at server start (instrumentation), by wrapping the HTTP server's
 * 'request' event: the one place that sees both the socket and the raw method.
 */
const UNREPRESENTABLE = new Set(['TRACE', 'TRACK', 'CONNECT']);
const INSTALLED = Symbol.for('roblox-tool.server-hooks');
type Holder = { [INSTALLED]?: true };

function refuse(res: ServerResponse, method: string): void {
  const body = JSON.stringify({ error: 'Method not allowed', details: `${method} is not supported by this server`, code: 'method_not_allowed' });
  res.writeHead(405, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    Allow: 'GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE',
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

export function installServerHooks(): void {
  const holder = globalThis as Holder;
  if (holder[INSTALLED]) return;
  holder[INSTALLED] = true;
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (this: http.Server, event: string, ...args: unknown[]) {
    if (event === 'request') {
      const [req, res] = args as [IncomingMessage, ServerResponse];
      if (UNREPRESENTABLE.has(req.method ?? '')) {
        refuse(res, req.method!);
        return true;
      }
      req.headers[PEER_HEADER] = peerStamp(req.socket?.remoteAddress);
    }
    return emit.apply(this, [event, ...args] as Parameters<typeof emit>);
  } as typeof emit;
}

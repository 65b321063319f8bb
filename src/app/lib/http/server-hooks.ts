import 'server-only';
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { PEER_HEADER, peerStamp } from './client-address';

/**
 * What must happen to a request before Next.js turns it into a web Request: stamp the socket's
 * address on it (client-address.ts), and answer what Next would fail on with a 500 in the API's
 * `{ error, details, code }` shape instead: methods its router doesn't handle (TRACE, TRACK,
 * PROPFIND, …; CONNECT, which Node hands over as a raw socket) and /api paths whose
 * percent-encoding is broken. Installed once per process, at server start (instrumentation), by
 * wrapping the HTTP server's events: the one place that sees the socket, the raw method and the
 * raw path, whichever server (scripts/server.mjs, `next start`) runs Next.
 */
const ROUTABLE = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const ALLOW = ROUTABLE.join(', ');
const INSTALLED = Symbol.for('roblox-tool.server-hooks');
type Holder = { [INSTALLED]?: true };

interface Refusal {
  status: number;
  body: { error: string; details: string; code: string };
  headers: Record<string, string>;
}

function refusalOf(method: string, url: string): Refusal | null {
  if (!ROUTABLE.includes(method)) {
    const details = method === 'CONNECT' ? 'CONNECT is not supported: this is not a proxy' : `${method} is not supported by this server; use ${ALLOW}`;
    return { status: 405, body: { error: 'Method not allowed', details, code: 'method_not_allowed' }, headers: { Allow: ALLOW } };
  }
  const pathname = url.split('?')[0]!;
  if (pathname.startsWith('/api/')) {
    try {
      decodeURIComponent(pathname);
    } catch {
      return { status: 400, body: { error: 'Malformed URL', details: 'The request path is not valid percent-encoding', code: 'bad_request' }, headers: {} };
    }
  }
  return null;
}

function headersOf(r: Refusal, body: string): Record<string, string | number> {
  return { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', ...r.headers };
}

function answer(res: ServerResponse, r: Refusal): void {
  const body = JSON.stringify(r.body);
  res.writeHead(r.status, headersOf(r, body));
  res.end(body);
}

/** CONNECT never becomes a request: Node hands over the socket, which gets the answer raw. */
function answerSocket(socket: Duplex, r: Refusal): void {
  const body = JSON.stringify(r.body);
  const head = Object.entries({ ...headersOf(r, body), Connection: 'close' }).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.end(`HTTP/1.1 ${r.status} ${http.STATUS_CODES[r.status]}\r\n${head}\r\n${body}`);
}

const refuseConnect = (req: IncomingMessage, socket: Duplex) => answerSocket(socket, refusalOf('CONNECT', req.url ?? '/')!);

export function installServerHooks(): void {
  const holder = globalThis as Holder;
  if (holder[INSTALLED]) return;
  holder[INSTALLED] = true;
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (this: http.Server, event: string, ...args: unknown[]) {
    if (event === 'request') {
      const [req, res] = args as [IncomingMessage, ServerResponse];
      const refusal = refusalOf(req.method ?? '', req.url ?? '/');
      if (refusal) {
        answer(res, refusal);
        return true;
      }
      req.headers[PEER_HEADER] = peerStamp(req.socket?.remoteAddress);
    } else if (event === 'connection' && this.listenerCount('connect') === 0) {
      // Without a 'connect' listener Node drops a CONNECT's socket without a word. Added with the
      // first connection: the server may be listening before the hooks are installed.
      this.on('connect', refuseConnect);
    }
    return emit.apply(this, [event, ...args] as Parameters<typeof emit>);
  } as typeof emit;
}

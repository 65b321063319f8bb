import 'server-only';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { checkedLookup, hostOf, isPublicAddress } from './ssrf';

export interface AttemptResult {
  ok: boolean;
  /** The endpoint's HTTP status; null when none came (refused, timed out, blocked). */
  status: number | null;
  error: string | null;
}

/**
 * One POST of a signed message. Success is a 2xx within `timeoutMs` (the whole exchange, not only
 * the first byte); redirects are not followed (a 3xx is a failure, as Standard Webhooks advises).
 */
export function post(
  url: string,
  headers: Record<string, string>,
  body: string,
  opts: { timeoutMs: number; allowPrivate: boolean },
): Promise<AttemptResult> {
  const target = new URL(url);
  const host = hostOf(target);
  if (!opts.allowPrivate) {
    if (target.protocol !== 'https:') return Promise.resolve({ ok: false, status: null, error: 'Only https URLs are delivered to' });
    // An address literal never goes through `lookup`: checked here instead.
    if (net.isIP(host) && !isPublicAddress(host)) {
      return Promise.resolve({ ok: false, status: null, error: `${host} is not a public address` });
    }
  }
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: AttemptResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const req = client.request(
      {
        protocol: target.protocol,
        hostname: host,
        port: target.port || undefined,
        path: `${target.pathname}${target.search}`,
        method: 'POST',
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        lookup: checkedLookup(opts.allowPrivate),
        agent: false,
      },
      (res) => {
        // The answer's body is not kept; reading it to the end is what tells the response is complete.
        res.resume();
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          finish({ ok: status >= 200 && status < 300, status, error: status >= 200 && status < 300 ? null : `HTTP ${status}` });
        });
        res.on('error', (err) => finish({ ok: false, status: res.statusCode ?? null, error: err.message }));
      },
    );
    const timer = setTimeout(() => {
      finish({ ok: false, status: null, error: `No answer within ${opts.timeoutMs} ms` });
      req.destroy();
    }, opts.timeoutMs);
    req.on('error', (err) => finish({ ok: false, status: null, error: err.message }));
    req.end(body);
  });
}

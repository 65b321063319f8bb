/**
 * NextAuth's routes (/api/auth/*) and bad requests (defect 7): malformed bodies, wrong methods,
 * unknown routes and hostile callback URLs are 4xx in the API's error shape, never a 500.
 */
import { describe, expect, it } from 'vitest';
import { assertExactErrorShape, server } from '../support/api';

const base = () => server().baseUrl;

async function send(method: string, path: string, init: { body?: string; type?: string; headers?: Record<string, string> } = {}) {
  const res = await fetch(`${base()}${path}`, {
    method,
    redirect: 'manual',
    headers: { ...(init.type ? { 'content-type': init.type } : {}), ...init.headers },
    body: init.body,
  });
  const text = await res.text();
  return { status: res.status, text, json: (() => { try { return JSON.parse(text); } catch { return undefined; } })(), res };
}

describe('defect 7: bad requests to /api/auth/* are 4xx { error, details, code }', () => {
  it.each(['/api/auth/callback/credentials', '/api/auth/signout', '/api/auth/session'])('POST %s with Content-Type: application/json and body "{"', async (path) => {
    const a = await send('POST', path, { body: '{', type: 'application/json' });
    expect(a.status, a.text).toBeGreaterThanOrEqual(400);
    expect(a.status, a.text).toBeLessThan(500);
    assertExactErrorShape(a.json);
  });

  it('GET /api/auth/callback/credentials is 405 with Allow: POST', async () => {
    const a = await send('GET', '/api/auth/callback/credentials');
    expect(a.status).toBe(405);
    expect(a.res.headers.get('allow')).toBe('POST');
    expect(assertExactErrorShape(a.json).code).toBe('method_not_allowed');
  });

  it.each(['TRACE'])('%s /api/health is 405 in the error shape', async (method) => {
    // fetch() refuses to send TRACE itself: speak HTTP/1.1 directly.
    const { status, body } = await rawRequest(`${method} /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    expect(status).toBe(405);
    expect(assertExactErrorShape(JSON.parse(body)).code).toBe('method_not_allowed');
  });

  it('unknown routes are 404 and unsupported methods 405, never NextAuth\'s 400 text or 500', async () => {
    for (const [method, path, status] of [
      ['GET', '/api/auth/callback/github', 404],
      ['POST', '/api/auth/callback/github', 404],
      ['GET', '/api/auth/nope', 404],
      ['POST', '/api/auth/_log', 404],
      ['POST', '/api/auth/signin/credentials', 404],
      ['POST', '/api/auth/csrf', 405],
      ['POST', '/api/auth/session', 405],
      ['GET', '/api/auth/verify-request', 404],
    ] as const) {
      const a = await send(method, path, method === 'POST' ? { body: 'a=b', type: 'application/x-www-form-urlencoded' } : {});
      expect(a.status, `${method} ${path}: ${a.text}`).toBe(status);
      assertExactErrorShape(a.json);
    }
  });

  it('bodies: other content types are 415, over 64 KB 413, repeated fields 400, non-string JSON fields 400', async () => {
    const path = '/api/auth/callback/credentials';
    expect((await send('POST', path, { body: 'username=a', type: 'text/plain' })).status).toBe(415);
    expect((await send('POST', path, { body: 'x', type: 'multipart/form-data; boundary=x' })).status).toBe(415);
    const big = await send('POST', path, { body: `username=${'a'.repeat(70_000)}`, type: 'application/x-www-form-urlencoded' });
    expect(big.status).toBe(413);
    assertExactErrorShape(big.json);
    const twice = await send('POST', path, { body: 'username=a&username=b&password=x', type: 'application/x-www-form-urlencoded' });
    expect(twice.status).toBe(400);
    for (const body of ['{"username":1,"password":"x"}', '{"username":{"$ne":null},"password":"x"}', '[]', '"x"', '{"username":"a","username":"b"}', '{"a":"\\u0000"}']) {
      const a = await send('POST', path, { body, type: 'application/json' });
      expect(a.status, `${body}: ${a.text}`).toBe(400);
      assertExactErrorShape(a.json);
    }
  });

  it('callback URLs with control characters, other sites or non-ASCII never reach a Location header raw', async () => {
    for (const callbackUrl of ['/\r\nSet-Cookie: x=1', 'https://evil.example/', '//evil.example', '/caf\u00e9', '\u0000', 'javascript:alert(1)']) {
      const signin = await send('GET', `/api/auth/signin?callbackUrl=${encodeURIComponent(callbackUrl)}`);
      expect(signin.status, `${JSON.stringify(callbackUrl)}: ${signin.text}`).toBeLessThan(500);
      if (signin.status >= 400) assertExactErrorShape(signin.json);
      const location = signin.res.headers.get('location') ?? '';
      expect(location).not.toMatch(/[\r\n]|evil\.example/);
      const csrf = await send('GET', '/api/auth/csrf', { headers: { cookie: `next-auth.callback-url=${encodeURIComponent(callbackUrl)}` } });
      expect(csrf.status, `csrf with callback cookie ${JSON.stringify(callbackUrl)}`).toBe(200);
    }
    // Twice in the query, NextAuth would get an array and answer 500 ("server configuration").
    for (const route of ['csrf', 'signin', 'session', 'providers']) {
      const twice = await send('GET', `/api/auth/${route}?callbackUrl=%2Fadmin&callbackUrl=1e308`);
      expect(twice.status, `${route}: ${twice.text}`).toBe(400);
      assertExactErrorShape(twice.json);
    }
    const error = await send('GET', '/api/auth/error?error=%0d%0aSet-Cookie:%20x=1');
    expect(error.status).toBe(302);
    expect(error.res.headers.get('location')).toBe('/login?error=Default');
  });
});

/** One HTTP/1.1 exchange over a raw socket (for methods fetch won't send). */
async function rawRequest(text: string): Promise<{ status: number; body: string }> {
  const net = await import('node:net');
  const url = new URL(base());
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname, () => socket.write(text));
    let data = '';
    socket.on('data', (d) => (data += d));
    socket.on('error', reject);
    socket.on('end', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1]);
      resolve({ status, body: data.slice(data.indexOf('\r\n\r\n') + 4) });
    });
  });
}

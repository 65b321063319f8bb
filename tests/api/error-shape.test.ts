/**
 * Requests the router itself answers (wrong method, broken path) and validation
 * failures: all in the one `{ error, details, code }` shape, with the code a program can branch on.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertExactErrorShape, server, superAdmin, type ApiClient } from '../support/api';

let admin: ApiClient;
beforeAll(async () => {
  admin = await superAdmin();
});

describe('the error shape everywhere', () => {
  it('a method a route does not implement is a 405 naming the allowed ones', async () => {
    const res = await admin.request('GET', '/api/admin/credits/add');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    const body = assertExactErrorShape(await res.json());
    expect(body).toMatchObject({ error: 'Method not allowed', code: 'method_not_allowed' });
    expect(body.details).toMatch(/GET is not supported here; use POST/);
  });

  it('PUT and DELETE on a GET/PATCH route are 405 too, and change nothing', async () => {
    for (const method of ['PUT', 'DELETE', 'POST']) {
      const res = await admin.request(method, '/api/admin/customers/1', { name: 'x' });
      expect(res.status, method).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, PATCH');
      expect(assertExactErrorShape(await res.json()).code).toBe('method_not_allowed');
    }
  });

  it('a malformed percent-encoding in the path is a 400 bad_request', async () => {
    const raw = await rawRequest('GET', '/api/admin/customers/%zz');
    expect(raw.status).toBe(400);
    expect(assertExactErrorShape(JSON.parse(raw.body))).toMatchObject({ error: 'Malformed URL', code: 'bad_request' });
  });

  it('invalid input is validation_failed with every bad field under its own name, unknown ones included', async () => {
    const res = await admin.post('/api/admin/credits/add', { customerId: 1, amount: 0, description: '', bonus: 5 });
    expect(res.status).toBe(400);
    const body = assertExactErrorShape(await res.json());
    expect(body.code).toBe('validation_failed');
    expect(Object.keys(body.details as object).sort()).toEqual(['amount', 'bonus', 'description']);
  });

  it('a malformed body is bad_request, a missing session unauthorized', async () => {
    const res = await admin.request('POST', '/api/admin/credits/add', '{"customerId":');
    expect(assertExactErrorShape(await res.json()).code).toBe('bad_request');
    const anon = await fetch(`${server().baseUrl}/api/me`);
    expect(anon.status).toBe(401);
    expect(assertExactErrorShape(await anon.json()).code).toBe('unauthorized');
  });
});

/** One HTTP/1.1 request over a socket, for paths that fetch() won't send as given. */
async function rawRequest(method: string, path: string): Promise<{ status: number; body: string }> {
  const net = await import('node:net');
  const { hostname, port } = new URL(server().baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(`${method} ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n\r\n`);
    });
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString('utf8')));
    socket.on('error', reject);
    socket.on('end', () => {
      const [head, ...rest] = data.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head ?? '')?.[1]);
      let body = rest.join('\r\n\r\n');
      // Chunked transfer: keep the payload between the size lines.
      if (/transfer-encoding: chunked/i.test(head ?? '')) body = body.split('\r\n').filter((_, i) => i % 2 === 1).join('');
      resolve({ status, body });
    });
  });
}

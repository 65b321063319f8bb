import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fixtureSearch, fixtureUser } from '@/app/lib/searches/roblox/fixture';
import { RobloxRejectedError } from '@/app/lib/searches/roblox/types';

/**
 * A local stand-in for https://users.roblox.com that speaks its JSON, serving the offline data set.
 * Keywords choose a failure, so tests in any process can ask for one without shared state:
 *   fail500…    HTTP 500 every time          ratelimited…  HTTP 429 every time (Retry-After: 0)
 *   flaky…      HTTP 503 twice, then answers slow…         answers after `slowMs`
 *   malformed…  a body that isn't JSON       wrongshape…   JSON in the wrong shape
 * GET /__requests?keyword=K (or ?id=N) says how many requests Roblox received for it.
 */
export interface FakeRoblox {
  url: string;
  requestsFor(key: string): number;
  close(): Promise<void>;
}

export async function startFakeRoblox(opts: { slowMs?: number; port?: number } = {}): Promise<FakeRoblox> {
  const slowMs = opts.slowMs ?? 3_000;
  const counts = new Map<string, number>();
  const bump = (key: string) => {
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    return n;
  };
  const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  const robloxError = (res: http.ServerResponse, err: unknown) => {
    if (err instanceof RobloxRejectedError) {
      return send(res, err.status, { errors: [{ code: err.code, message: err.message, userFacingMessage: 'Something went wrong' }] });
    }
    return send(res, 500, { errors: [{ code: 0, message: 'InternalServerError' }] });
  };

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake.roblox');
    if (url.pathname === '/__requests') {
      const key = url.searchParams.get('keyword') ?? `id:${url.searchParams.get('id')}`;
      return send(res, 200, { requests: counts.get(key) ?? 0 });
    }
    if (url.pathname === '/v1/users/search') {
      const keyword = url.searchParams.get('keyword') ?? '';
      const attempt = bump(keyword);
      const k = keyword.toLowerCase();
      if (k.startsWith('fail500')) return send(res, 500, { errors: [{ code: 0, message: 'InternalServerError' }] });
      if (k.startsWith('ratelimited')) return send(res, 429, { errors: [{ code: 0, message: 'Too many requests' }] }, { 'retry-after': '0' });
      if (k.startsWith('flaky') && attempt <= 2) return send(res, 503, { errors: [{ code: 0, message: 'Service unavailable' }] });
      if (k.startsWith('slow')) await new Promise((r) => setTimeout(r, slowMs));
      if (k.startsWith('malformed')) return send(res, 200, '{"data": [ not json');
      if (k.startsWith('wrongshape')) return send(res, 200, { data: 'nope' });
      try {
        const data = fixtureSearch(k.startsWith('flaky') || k.startsWith('slow') ? 'blox' : keyword, Number(url.searchParams.get('limit') ?? 10));
        return send(res, 200, { previousPageCursor: null, nextPageCursor: null, data });
      } catch (err) {
        return robloxError(res, err);
      }
    }
    const profile = /^\/v1\/users\/(\d+)$/.exec(url.pathname);
    if (profile) {
      bump(`id:${profile[1]}`);
      try {
        return send(res, 200, fixtureUser(Number(profile[1])));
      } catch (err) {
        return robloxError(res, err);
      }
    }
    return send(res, 404, { errors: [{ code: 0, message: 'NotFound' }] });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requestsFor: (key) => counts.get(key) ?? 0,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The Node server in front of Next (scripts/server.mjs): methods Next can't route answer 405 in the
 * API's shape, SIGTERM drains the requests in flight before the process exits, and WEB_CONCURRENCY
 * runs several processes on PostgreSQL only.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { onPostgres } from '../support/env';
import { startFakeRoblox } from '../support/fake-roblox';
import { ApiClient } from '../support/http-client';
import { startServer, type RunningServer } from '../support/server';
import { assertExactErrorShape, PASSWORD, server } from '../support/api';
import { migrate } from '@/app/lib/db/migrate';
import { openPostgres } from '@/app/lib/db/postgres';
import { prepareJobs } from '@/app/lib/jobs';
import { SERVER_JOBS } from '@/app/lib/jobs/server-jobs';
import { createPostgresDatabase, unique } from '../support/db';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('methods Next cannot route', () => {
  it.each(['TRACE', 'CONNECT', 'PROPFIND'])('%s /api/health is a 405 in the error shape, not a 500', async (method) => {
    const raw = await rawRequest(method, '/api/health');
    expect(raw.status).toBe(405);
    expect(raw.headers).toMatch(/^allow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS$/im);
    expect(assertExactErrorShape(JSON.parse(raw.body))).toMatchObject({ error: 'Method not allowed', code: 'method_not_allowed' });
  });

  it('GET /api/health says which database node the server is on and that it takes writes', async () => {
    const res = await fetch(`${server().baseUrl}/api/health`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ ok: true, database: { writable: true } });
    if (onPostgres) {
      const url = new URL(server().databaseUrl!);
      expect(body.database).toMatchObject({ host: url.hostname, port: Number(url.port || 5432) });
    } else {
      expect(body.database).toMatchObject({ host: null, port: null });
    }
  });
});

describe('a server process of its own', () => {
  const started: RunningServer[] = [];
  afterAll(async () => {
    for (const s of started) await s.stop();
  });

  it('SIGTERM lets the request in flight finish, refuses new connections, and exits', async () => {
    const roblox = await startFakeRoblox({ slowMs: 2_500 });
    try {
      const s = await startServer({ ROBLOX_USERS_API_URL: roblox.url, ROBLOX_TIMEOUT_MS: '8000' });
      started.push(s);
      const admin = new ApiClient(s.baseUrl);
      await admin.signIn(s.adminUsername, s.adminPassword);
      const { customer } = await admin.expectJson(admin.post('/api/admin/customers', { name: unique('Drain') }), 201);
      await admin.expectJson(admin.post('/api/admin/credits/add', { customerId: customer.id, amount: 5, description: 'drain test' }), 200);
      const username = unique('drain_user');
      await admin.expectJson(admin.post('/api/admin/users', { username, password: PASSWORD, role: 'USER', customerId: customer.id }), 201);
      const user = new ApiClient(s.baseUrl);
      await user.signIn(username, PASSWORD);

      const slow = user.post('/api/search', { query: 'slow drain', type: 'keyword' });
      await sleep(700);
      const exited = new Promise<number>((resolve) => {
        const t0 = Date.now();
        const poll = setInterval(() => {
          try {
            process.kill(s.pid, 0);
          } catch {
            clearInterval(poll);
            resolve(Date.now() - t0);
          }
        }, 50);
      });
      process.kill(s.pid, 'SIGTERM');
      // The server closes its listener in the same tick as it logs the drain (a fixed sleep raced a busy machine).
      for (let i = 0; i < 100 && !/SIGTERM: draining/.test(s.output()); i++) await sleep(50);
      // No longer listening: a new connection is refused (this process's idle keep-alive sockets
      // may still carry a request until their advertised timeout; see the next test).
      const { hostname, port } = new URL(s.baseUrl);
      const net = await import('node:net');
      await expect(
        new Promise((resolve, reject) => net.connect(Number(port), hostname).on('connect', resolve).on('error', reject)),
      ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      const res = await slow;
      expect(res.status).toBe(200);
      expect(await exited).toBeLessThan(10_000);
      expect(s.output()).toMatch(/SIGTERM: draining 1 request\(s\) in flight/);
      expect(s.output()).toMatch(/\[server\] stopped/);
      expect(s.output()).not.toMatch(/uncaughtException|Error: /);
    } finally {
      await roblox.close();
    }
  });

  it('listens only once the app has started, and an idle keep-alive socket is not cut by SIGTERM: a request on it is answered, with Connection: close', async () => {
    const s = await startServer();
    started.push(s);
    // The app's start-up (database, jobs) ran before the port opened, not on the first request.
    expect(s.output().indexOf('[startup] ready')).toBeGreaterThan(-1);
    expect(s.output().indexOf('[startup] ready')).toBeLessThan(s.output().indexOf('listening on'));

    const { hostname, port } = new URL(s.baseUrl);
    const net = await import('node:net');
    const socket = net.connect(Number(port), hostname);
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString('utf8')));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    const answer = async (n: number) => {
      for (let i = 0; i < 200 && (data.match(/^HTTP\/1\.1 /gm) ?? []).length < n; i++) await sleep(50);
      return data.split(/(?=^HTTP\/1\.1 )/m)[n - 1] ?? '';
    };
    const get = `GET /api/health HTTP/1.1\r\nHost: ${hostname}:${port}\r\n\r\n`;
    socket.write(get);
    const first = await answer(1);
    expect(first).toMatch(/^HTTP\/1\.1 200/);
    expect(first).toMatch(/^keep-alive: timeout=5$/im);

    process.kill(s.pid, 'SIGTERM');
    for (let i = 0; i < 100 && !/SIGTERM: draining/.test(s.output()); i++) await sleep(50);
    await sleep(1_000); // well inside the advertised 5 s: a client may still reuse the socket
    socket.write(get);
    const second = await answer(2);
    expect(second).toMatch(/^HTTP\/1\.1 200/);
    expect(second).toMatch(/^connection: close$/im);
    await closed;
    socket.destroy();
  });

  it.runIf(onPostgres)('WEB_CONCURRENCY=2 runs two server processes on one port', async () => {
    const s = await startServer({ WEB_CONCURRENCY: '2' });
    started.push(s);
    for (let i = 0; i < 20 && (s.output().match(/listening on/g) ?? []).length < 2; i++) await sleep(500);
    expect(s.output()).toMatch(/starting 2 server processes/);
    expect((s.output().match(/listening on/g) ?? []).length).toBe(2);
    const admin = new ApiClient(s.baseUrl);
    await admin.signIn(s.adminUsername, s.adminPassword);
    expect((await admin.get('/api/me')).status).toBe(200);
    const answers = await Promise.all(Array.from({ length: 20 }, () => fetch(`${s.baseUrl}/api/health`).then((r) => r.status)));
    expect(answers.every((st) => st === 200)).toBe(true);
  });

  it.runIf(!onPostgres)('WEB_CONCURRENCY=2 on the embedded database stays one process and says why', async () => {
    const s = await startServer({ WEB_CONCURRENCY: '2' });
    started.push(s);
    expect(s.output()).toMatch(/WEB_CONCURRENCY=2 ignored: the embedded database \(PGlite\) can be opened by one process only/);
    expect((s.output().match(/listening on/g) ?? []).length).toBe(1);
  });
});

/** One HTTP/1.1 request over a socket, for methods fetch() refuses to send. */
async function rawRequest(method: string, path: string): Promise<{ status: number; headers: string; body: string }> {
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
      const [head = '', ...rest] = data.split('\r\n\r\n');
      let body = rest.join('\r\n\r\n');
      if (/transfer-encoding: chunked/i.test(head)) body = body.split('\r\n').filter((_, i) => i % 2 === 1).join('');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), headers: head, body });
    });
  });
}

describe.runIf(onPostgres)('npm start as a member of roblox_tool_app (issue 10, defect 9)', () => {
  it('starts on an already-migrated database with nothing but that role, and serves the guide', async () => {
    const created = await createPostgresDatabase();
    const owner = openPostgres(created.url, { max: 1 });
    const login = unique('rt_app');
    try {
      await migrate(owner);
      await prepareJobs(owner, SERVER_JOBS); // what `npm run migrate` does after the migrations
      await owner.exec(`CREATE ROLE ${login} LOGIN IN ROLE roblox_tool_app`);
      const url = new URL(created.url);
      url.username = login;
      const s = await startServer({}, { databaseUrl: url.toString() });
      try {
        expect(s.output()).not.toMatch(/applied migration|permission denied/);
        const admin = new ApiClient(s.baseUrl);
        await admin.signIn(s.adminUsername, s.adminPassword);
        const { customer } = await admin.expectJson(admin.post('/api/admin/customers', { name: unique('Least privilege') }), 201);
        const added = await admin.expectJson(admin.post('/api/admin/credits/add', { customerId: customer.id, amount: 100, description: 'Demo account credits' }), 200);
        expect(added.transaction).toMatchObject({ amount: 100, balanceBefore: 0, balanceAfter: 100 });
        const { rows } = await owner.query<{ usename: string }>(`SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
        expect(rows.map((r) => r.usename)).toEqual([login]);
      } finally {
        await s.stop();
      }
    } finally {
      await owner.exec(`DROP OWNED BY ${login}; DROP ROLE IF EXISTS ${login}`).catch(() => {});
      await owner.close();
      await created.drop();
    }
  });
});

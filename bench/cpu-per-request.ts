/**
 * `npx tsx --conditions=react-server bench/cpu-per-request.ts [ROOT]`: the server's own CPU time per
 * request (µs, its whole process tree, from /proc) for GET /api/health, the guide's credit addition
 * and a paid look-up, at 8 connections. Unlike requests per second, CPU per request hardly moves
 * when other work shares the machine, so it compares two builds measured minutes apart on a busy
 * host: ROOT is another checkout with its own production build (default: this one). A checkout
 * without scripts/server.mjs is started with `next start`, as it was before that server existed.
 * Needs the local PostgreSQL (BENCH_DATABASE_URL). With CPU_PROF_DIR set, the server runs under
 * `node --cpu-prof` and leaves its profile there when it stops (open it in Chrome's DevTools);
 * CPU_CASE=credits (a substring of the request's name) measures that request alone, for a profile of
 * one path.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import { ApiClient } from '../tests/support/http-client';
import { freePort } from '../tests/support/server';
import { createBenchDatabase } from './pg';

const root = path.resolve(process.argv[2] ?? path.join(__dirname, '..'));
const TICK_US = 1e6 / 100; // USER_HZ

function treeCpuUs(pid: number): number {
  let ticks = 0;
  const visit = (p: number) => {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]); // utime, stime
      for (const c of fs.readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) visit(Number(c));
    } catch {
      /* exited */
    }
  };
  visit(pid);
  return ticks * TICK_US;
}

async function main() {
  const bdb = await createBenchDatabase('cpu');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = fs.existsSync(path.join(root, 'scripts', 'server.mjs'))
    ? ['scripts/server.mjs', '-p', String(port), '-H', '127.0.0.1']
    : ['node_modules/next/dist/bin/next', 'start', '-p', String(port), '-H', '127.0.0.1'];
  const profile = process.env.CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.CPU_PROF_DIR)}`] : [];
  const child = spawn(process.execPath, [...profile, ...server], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', DATABASE_URL: bdb.url, NEXTAUTH_SECRET: 'b'.repeat(43), NEXTAUTH_URL: base, ADMIN_USERNAME: 'admin', ADMIN_PASSWORD: 'bench admin 1', ROBLOX_PROVIDER: 'fixture' },
    stdio: 'ignore',
  });
  try {
    for (let i = 0; ; i++) {
      const ok = await fetch(`${base}/api/health`).then((r) => r.ok, () => false);
      if (ok) break;
      if (i > 600) throw new Error('server did not start');
      await new Promise((r) => setTimeout(r, 200));
    }
    const admin = new ApiClient(base);
    await admin.signIn('admin', 'bench admin 1');
    const { customer } = await admin.expectJson(admin.post('/api/admin/customers', { name: 'CPU bench' }), 201);
    await admin.expectJson(admin.post('/api/admin/credits/add', { customerId: customer.id, amount: 10_000, description: 'look-up credits' }), 200);
    await admin.expectJson(admin.post('/api/admin/users', { username: 'cpu_user', password: 'bench user 1', role: 'USER', customerId: customer.id }), 201);
    const user = new ApiClient(base);
    await user.signIn('cpu_user', 'bench user 1');
    const cases = [
      { name: 'GET /api/health', method: 'GET' as const, path: '/api/health', cookie: '', body: undefined },
      { name: 'POST /api/admin/credits/add', method: 'POST' as const, path: '/api/admin/credits/add', cookie: `next-auth.session-token=${admin.sessionToken}`, body: JSON.stringify({ customerId: customer.id, amount: 1, description: 'CPU bench' }) },
      { name: 'POST /api/search', method: 'POST' as const, path: '/api/search', cookie: `next-auth.session-token=${user.sessionToken}`, body: JSON.stringify({ query: 'blox', type: 'keyword' }) },
    ];
    const out: Record<string, { cpuUsPerRequest: number; requests: number; non2xx: number }> = {};
    for (const c of cases.filter((c) => c.name.includes(process.env.CPU_CASE ?? ''))) {
      const opts = { url: `${base}${c.path}`, connections: 8, method: c.method, headers: { 'content-type': 'application/json', cookie: c.cookie }, body: c.body };
      await autocannon({ ...opts, duration: 2 }); // warm-up
      const before = treeCpuUs(child.pid!);
      const r = await autocannon({ ...opts, duration: 6 });
      const used = treeCpuUs(child.pid!) - before;
      out[c.name] = { cpuUsPerRequest: Math.round(used / Math.max(1, r['2xx'])), requests: r['2xx'], non2xx: r.non2xx };
    }
    console.log(JSON.stringify({ root, server: server[0], results: out }, null, 2));
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await bdb.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

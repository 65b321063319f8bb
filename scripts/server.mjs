#!/usr/bin/env node
// The production server (`npm start` runs it after building; pm2 runs it from ecosystem.config.cjs):
// Next's request handler behind a plain node:http server, which is where
//  - WEB_CONCURRENCY=N runs N server processes on one port (node:cluster; PostgreSQL only),
//  - a process listens only once the app has started (database open, jobs running): see warmUp,
//  - SIGTERM/SIGINT drain the requests in flight (at most DRAIN_MS) and then close the database pools.
// What Next can't route (TRACE, CONNECT, …; /api paths with broken percent-encoding) is answered
// before it by the app's server hooks (src/app/lib/http/server-hooks.ts), whichever server runs it.
// Arguments as `next start`: -p/--port (default PORT or 3000), -H/--hostname.
import cluster from 'node:cluster';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import next from 'next';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const DRAIN_MS = 10_000;
// Idle keep-alive sockets close after this, and every answer says so (`Keep-Alive: timeout=5`).
// A client that honours the hint (undici, fetch: 2 s early) stops reusing a socket before the server
// closes it, so a draining server can let its idle sockets time out instead of cutting them while a
// request may be on its way (the client would see a reset and could not tell whether it ran). A
// proxy in front must close idle upstream sockets sooner (docs/SCALING.md).
const KEEP_ALIVE_MS = 5_000;
// Set by the app's instrumentation (src/instrumentation-node.ts): closes the database pools.
const SHUTDOWN_HOOK = Symbol.for('roblox-tool.shutdown');
// pm2's cluster mode forks this script itself: each pm2 instance is then one server.
const underPm2 = 'pm_id' in process.env;

function option(long, short, fallback) {
  const args = process.argv.slice(2);
  const i = args.findIndex((a) => a === long || a === short);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
}

const port = Number(option('--port', '-p', process.env.PORT || '3000'));
const hostname = option('--hostname', '-H', undefined);
const log = (line) => console.log(`[server${cluster.isWorker ? ` ${process.pid}` : ''}] ${line}`);

/** How many processes to run, and why not more. */
function concurrency() {
  const raw = process.env.WEB_CONCURRENCY;
  if (!raw) return 1;
  const n = /^\d{1,2}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= 64)) {
    console.error(`[server] WEB_CONCURRENCY must be a whole number from 1 to 64, got "${raw}"`);
    process.exit(1);
  }
  if (n > 1 && !process.env.DATABASE_URL) {
    log(`WEB_CONCURRENCY=${n} ignored: the embedded database (PGlite) can be opened by one process only; set DATABASE_URL to run ${n} processes`);
    return 1;
  }
  return n;
}

function errorBody(res, status, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * In production Next runs the app's start-up (instrumentation: database, migrations, jobs) on the
 * first request, not in prepare(). A process that listened and told pm2 'ready' before that got its
 * share of the traffic while still starting: under `pm2 reload` on a busy machine, requests queued
 * behind the start-up for more than 15 s. So the first request is this one, on a loopback socket of
 * the process's own (exclusive: not shared through the cluster), before the shared port opens.
 */
async function warmUp(onRequest) {
  const probe = http.createServer(onRequest);
  await new Promise((resolve, reject) => probe.once('error', reject).listen({ port: 0, host: '127.0.0.1', exclusive: true }, resolve));
  const t0 = Date.now();
  try {
    const status = await new Promise((resolve) => {
      http
        .get({ host: '127.0.0.1', port: probe.address().port, path: '/api/health', agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode);
        })
        .on('error', (err) => resolve(err.message));
    });
    log(`started in ${Date.now() - t0} ms (GET /api/health: ${status})`);
  } finally {
    probe.close();
    probe.closeAllConnections();
  }
}

async function serve() {
  const app = next({ dev: false, dir: root, hostname, port });
  const handle = app.getRequestHandler();
  await app.prepare();

  const inFlight = new Set();
  let draining = false;
  const onRequest = (req, res) => {
    if (draining) res.setHeader('Connection', 'close');
    inFlight.add(res);
    res.on('close', () => inFlight.delete(res));
    handle(req, res).catch((err) => {
      console.error('[server] request failed:', err);
      if (!res.headersSent) errorBody(res, 500, { error: 'Internal server error', details: 'The request could not be completed', code: 'internal' });
      else res.destroy();
    });
  };
  await warmUp(onRequest);
  const server = http.createServer(onRequest);
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  await new Promise((resolve, reject) => server.once('error', reject).listen(port, hostname, resolve));
  log(`listening on http://${hostname ?? 'localhost'}:${port}`);
  process.send?.('ready'); // pm2's wait_ready; harmless under our own cluster

  const shutdown = (signal) => {
    if (draining) return;
    draining = true;
    log(`${signal}: draining ${inFlight.size} request(s) in flight (at most ${DRAIN_MS / 1000} s)`);
    const timer = setTimeout(() => {
      log(`drain timed out with ${inFlight.size} request(s) still open; closing them`);
      server.closeAllConnections();
    }, DRAIN_MS);
    timer.unref();
    // Answers still being written close their connection afterwards, and so does any request that
    // arrives on an idle keep-alive socket before it times out (KEEP_ALIVE_MS).
    for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
    // Stop accepting only: http.Server#close would also cut every idle keep-alive socket at once,
    // racing the next request a client may be sending on it. The callback runs once the last
    // connection has closed.
    net.Server.prototype.close.call(server, async () => {
      clearTimeout(timer);
      try {
        await globalThis[SHUTDOWN_HOOK]?.();
      } catch (err) {
        console.error('[server] closing the database failed:', err?.message ?? err);
      }
      log('stopped');
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  // pm2 on Windows and `cluster.disconnect()` ask politely through IPC.
  process.on('message', (msg) => msg === 'shutdown' && shutdown('shutdown message'));
}

/** The primary of WEB_CONCURRENCY > 1: forks the servers, replaces one that dies, stops them all on a signal. */
function supervise(n) {
  log(`starting ${n} server processes on port ${port} (WEB_CONCURRENCY=${n})`);
  let stopping = false;
  const startedAt = new Map();
  const fork = () => startedAt.set(cluster.fork().id, Date.now());
  for (let i = 0; i < n; i++) fork();
  cluster.on('exit', (worker, code, signal) => {
    const lived = Date.now() - (startedAt.get(worker.id) ?? 0);
    startedAt.delete(worker.id);
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    // A server that can't even start (bad configuration, database missing) would only fail again.
    if (lived < 10_000 && code !== 0) {
      console.error(`[server] a server process exited with ${code ?? signal} during start-up; stopping`);
      stopping = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGTERM');
      process.exitCode = code || 1;
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(process.exitCode);
      return;
    }
    log(`server process ${worker.process.pid} exited (${code ?? signal}); starting another`);
    fork();
  });
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping ${Object.keys(cluster.workers ?? {}).length} server processes`);
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill(signal);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

const n = cluster.isPrimary && !underPm2 ? concurrency() : 1;
if (n > 1) {
  supervise(n);
} else {
  serve().catch((err) => {
    console.error('[server] could not start:', err);
    process.exit(1);
  });
}

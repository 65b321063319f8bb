// pm2: `pm2 start ecosystem.config.cjs` (after `npm run build`), then the guide's
// `pm2 restart roblox-tool`, or `pm2 reload roblox-tool` to replace the processes one at a time
// without dropping a request. Cluster mode: pm2 runs scripts/server.mjs WEB_CONCURRENCY times on
// PORT; each drains its requests on SIGINT before it exits. The embedded database (no
// DATABASE_URL) allows one process only.
const instances = process.env.DATABASE_URL ? Number(process.env.WEB_CONCURRENCY || 2) : 1;

module.exports = {
  apps: [
    {
      name: 'roblox-tool',
      script: 'scripts/server.mjs',
      cwd: __dirname,
      exec_mode: 'cluster',
      instances,
      node_args: '--max-old-space-size=512',
      env: { NODE_ENV: 'production', PORT: process.env.PORT || '3000' },
      // A replacement counts as up once it listens (server.mjs sends 'ready'), not when it was forked.
      wait_ready: true,
      listen_timeout: 60_000,
      // The drain takes at most 10 s; pm2 SIGKILLs after this.
      kill_timeout: 12_000,
      max_memory_restart: '600M',
    },
  ],
};

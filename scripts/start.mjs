#!/usr/bin/env node
// `npm start`: builds the app when the build is missing or older than the sources, then serves it
// with scripts/server.mjs (Next's handler behind node:http: WEB_CONCURRENCY processes, draining on
// SIGTERM) on PORT (default 3000). Migrations and the bootstrap admin run at server start.
import { spawn } from 'node:child_process';
import buildHelpers from './build-if-stale.cjs';

const { buildIfStale, root, SERVER_HEAP_MB } = buildHelpers;

try {
  buildIfStale();
} catch (err) {
  console.error(err.message);
  process.exit(1);
}

const port = process.env.PORT || '3000';
// The heap limit (NODE_OPTIONS can override it): see SERVER_HEAP_MB.
const nodeOptions = process.env.NODE_OPTIONS ?? '';
const env = {
  ...process.env,
  NODE_OPTIONS: /max-old-space-size/.test(nodeOptions) ? nodeOptions : `${nodeOptions} --max-old-space-size=${SERVER_HEAP_MB}`.trim(),
};
const server = spawn(process.execPath, ['scripts/server.mjs', '-p', port, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env,
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

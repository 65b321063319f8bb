// Builds the Next app when .next is missing or older than any source file; shared by `npm start`
// and the test harness so neither ever serves a stale build.
// CommonJS so plain node, vitest and Playwright's loader can all load it.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const nextBin = path.join(root, 'node_modules', 'next', 'dist', 'bin', 'next');
const SOURCES = ['src', 'next.config.ts', 'package-lock.json', 'tsconfig.json'];

function newestMtime(p) {
  if (!fs.existsSync(p)) return 0;
  const stat = fs.statSync(p);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...fs.readdirSync(p).map((name) => newestMtime(path.join(p, name))));
}

function isStale() {
  const buildId = path.join(root, '.next', 'BUILD_ID');
  const builtAt = fs.existsSync(buildId) ? fs.statSync(buildId).mtimeMs : 0;
  return { builtAt, stale: builtAt < Math.max(...SOURCES.map((s) => newestMtime(path.join(root, s)))) };
}

// Two builds into one .next corrupt each other (e.g. two test runs starting together): builds take
// a lock directory, and whoever waited re-checks whether the other's build already covers it.
const LOCK = path.join(root, '.next-build.lock');
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function withBuildLock(fn) {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      fs.mkdirSync(LOCK);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const age = Date.now() - fs.statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs;
      if (age > 10 * 60_000) fs.rmSync(LOCK, { recursive: true, force: true }); // left by a killed build
      if (Date.now() > deadline) throw new Error(`timed out waiting for another build (${LOCK})`);
      sleep(500);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(LOCK, { recursive: true, force: true });
  }
}

function buildIfStale({ log = console.log } = {}) {
  if (!isStale().stale) return;
  withBuildLock(() => {
    const { builtAt, stale } = isStale();
    if (!stale) return;
    log(builtAt ? 'Sources changed since the last build: rebuilding…' : 'No build yet: building the app (once)…');
    // `npm run build`: next build, then the postbuild step (the embedded database template).
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) throw new Error(`next build failed with exit code ${build.status}`);
  });
}

// `npm start` caps the server's heap at this: without a limit V8 grows it lazily to whatever the
// machine allows; 512 MB keeps the server near 200 MB resident under load (docs/PERFORMANCE.md).
const SERVER_HEAP_MB = 512;

module.exports = { root, nextBin, buildIfStale, SERVER_HEAP_MB };

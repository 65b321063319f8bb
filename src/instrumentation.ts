/** Next calls this once per server start; the work itself is Node-only (see instrumentation-node). */
export async function register() {
  if (process.env.NEXT_RUNTIME === 'nodejs') await import('./instrumentation-node');
}

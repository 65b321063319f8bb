import { main } from './migrate-cli';

main(process.argv.slice(2)).catch((err) => {
  console.error(`Migration failed: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});

// Runs after `next build` (npm's postbuild): dumps a migrated, empty embedded database that a first
// start loads instead of running initdb and every migration (src/app/lib/db/pglite-template.ts).
import { writePgliteTemplate } from '../src/app/lib/db/pglite-template';

const started = Date.now();
writePgliteTemplate()
  .then((file) => console.log(`Embedded database template: ${file} (${Date.now() - started} ms)`))
  .catch((err) => {
    // Only a start-up speed-up: without it the first start runs initdb and the migrations.
    console.warn(`Could not write the embedded database template: ${err instanceof Error ? err.message : err}`);
  });

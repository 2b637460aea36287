import { loadEnvFile, resolveConfig } from '../lib/config.ts';
import { accessSync, constants } from 'node:fs';
import { postgresBinDir } from '../lib/postgres-bin.ts';
import { bootstrap, migrate } from './lib/database.ts';
import { REFRESH_COMMAND, currentMigrationHasWork, refreshSchemaFile, schemaFile } from './lib/schema-dump.ts';

function canWrite(file: string): boolean {
  try {
    accessSync(file, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * npm run migrate: bootstrap roles and extensions (when ROOT_DATABASE_URL is given), then
 * graphile-worker's schema and our migrations. What docker compose's `migrate` service runs.
 * With work in db/migrations/current/, it refreshes db/schema.sql too.
 */
loadEnvFile();
const config = resolveConfig();
await bootstrap(config);
await migrate(config);
console.log('migrated');
// While db/migrations/current/ holds work, db/schema.sql follows it (from a throwaway
// cluster migrated from scratch, not from this database). Only where the checkout and the
// PostgreSQL server binaries are (a dev machine), never in a container's migrate run.
if (currentMigrationHasWork()) {
  if (!postgresBinDir() || !canWrite(schemaFile)) {
    console.log(`db/migrations/current/ holds work: refresh db/schema.sql with \`${REFRESH_COMMAND}\` where PostgreSQL is installed.`);
  } else {
    console.log((await refreshSchemaFile()) ? 'db/schema.sql refreshed' : 'db/schema.sql is up to date');
  }
}
process.exit(0);

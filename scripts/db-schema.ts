import { REFRESH_COMMAND, refreshSchemaFile } from './lib/schema-dump.ts';

/**
 * npm run db:schema — regenerates db/schema.sql (the current schema in one file) from a
 * throwaway cluster migrated from scratch: committed migrations plus db/migrations/current/.
 */
const changed = await refreshSchemaFile();
console.log(changed ? 'db/schema.sql refreshed; commit it with your migration.' : `db/schema.sql is up to date (${REFRESH_COMMAND}).`);
process.exit(0);

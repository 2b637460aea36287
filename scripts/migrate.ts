import { loadEnvFile, resolveConfig } from './lib/config.ts';
import { bootstrap, migrate } from './lib/database.ts';

/**
 * npm run migrate: bootstrap roles and extensions (when ROOT_DATABASE_URL is given), then
 * graphile-worker's schema and our migrations. What docker compose's `migrate` service runs.
 */
loadEnvFile();
const config = resolveConfig();
await bootstrap(config);
await migrate(config);
console.log('migrated');
process.exit(0);

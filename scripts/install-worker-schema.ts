import { Logger, runMigrations } from 'graphile-worker';

/**
 * graphile-migrate `beforeAllMigrations` action: installs or upgrades graphile-worker's
 * schema (our migrations grant on it) in the database graphile-migrate is migrating.
 */
const connectionString = process.env.GM_DBURL;
if (!connectionString) throw new Error('GM_DBURL is not set (run through graphile-migrate)');
await runMigrations({ connectionString, logger: new Logger(() => () => {}) });

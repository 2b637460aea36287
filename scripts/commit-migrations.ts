import { commit } from 'graphile-migrate';
import { writeFileSync } from 'node:fs';
import { migrate, migrateSettings } from './lib/database.ts';
import { dumpSchema, schemaFile } from './lib/schema-dump.ts';
import { createTestCluster } from './lib/test-cluster.ts';

/**
 * npm run db:commit — turns db/migrations/current/ into the next committed migration.
 * graphile-migrate needs a shadow database to prove the result applies from scratch; a
 * throwaway cluster provides both databases, so no local state is touched. Then
 * db/schema.sql is refreshed from that cluster's database, migrated from scratch.
 */
const { cluster, config } = await createTestCluster({ migrate: false });
try {
  const shadow = new URL(config.ownerUrl);
  shadow.pathname = '/switchboard_shadow';
  const root = new URL(config.rootUrl!);
  root.pathname = '/postgres';
  await commit({ ...migrateSettings(config), shadowConnectionString: shadow.toString(), rootConnectionString: root.toString() }, process.argv[2]);
  // db/schema.sql follows the migrations: the throwaway database, migrated from scratch, dumped.
  await migrate(config);
  writeFileSync(schemaFile, dumpSchema(cluster.bin, config.rootUrl!));
  console.log('db/schema.sql refreshed');
} finally {
  cluster.destroy();
}
process.exit(0);

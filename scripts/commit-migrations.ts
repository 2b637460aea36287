import { commit } from 'graphile-migrate';
import { migrateSettings } from './lib/database.ts';
import { createTestCluster } from './lib/test-cluster.ts';

/**
 * npm run db:commit — turns db/migrations/current/ into the next committed migration.
 * graphile-migrate needs a shadow database to prove the result applies from scratch; a
 * throwaway cluster provides both databases, so no local state is touched.
 */
const { cluster, config } = await createTestCluster({ migrate: false });
try {
  const shadow = new URL(config.ownerUrl);
  shadow.pathname = '/switchboard_shadow';
  const root = new URL(config.rootUrl!);
  root.pathname = '/postgres';
  await commit({ ...migrateSettings(config), shadowConnectionString: shadow.toString(), rootConnectionString: root.toString() }, process.argv[2]);
} finally {
  cluster.destroy();
}
process.exit(0);

import pg from 'pg';
import { createTestCluster } from './lib/test-cluster.ts';
const { cluster, config } = await createTestCluster();
const c = new pg.Client({ connectionString: config.rootUrl! });
await c.connect();
for (const q of process.argv.slice(2)) {
  try { console.log(JSON.stringify((await c.query(q)).rows)); } catch (e) { console.log('ERR', (e as Error).message); }
}
await c.end();
cluster.destroy();

import type pg from 'pg';
import { createPool as createDbPool } from '../../scripts/lib/multihost.ts';

export type Db = pg.Pool;

/**
 * One-host URLs get a plain pool; multi-host URLs (HA: `h1:p1,h2:p2?target_session_attrs=read-write`)
 * a pool whose new connections go to the current primary. A connection that broke (a failover)
 * is dropped by the pool and the next one finds the new primary.
 */
export function createPool(connectionString: string, max = 20): Db {
  const pool = createDbPool(connectionString, { max, application_name: 'switchboard-gateway' });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  return pool;
}

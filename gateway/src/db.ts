import type pg from 'pg';
import { createPool as createDbPool } from '../../lib/multihost.ts';
import { ApiError } from './errors.ts';

export type Db = pg.Pool;

export interface PoolOptions {
  /** How long a request may wait for a free connection before it is answered 503 (ms). */
  acquireTimeoutMs?: number;
  /** pg_stat_activity's application_name, so each pool's sessions can be told apart. */
  applicationName?: string;
}

/** The acquire timeout of every gateway pool: `DB_ACQUIRE_TIMEOUT_MS` (default 3 s). */
export const defaultAcquireTimeoutMs = () => {
  const value = Number(process.env.DB_ACQUIRE_TIMEOUT_MS ?? 3_000);
  return Number.isFinite(value) && value > 0 ? value : 3_000;
};

/**
 * A connection pool with an acquire timeout: a request that cannot get a connection within
 * `acquireTimeoutMs` (every slot busy, or the database not answering) fails with
 * {@link PoolTimeoutError}, which the error handler answers 503 with `Retry-After` — it never
 * hangs until the client gives up.
 */
export function createPool(connectionString: string, max = 20, options: PoolOptions = {}): Db {
  // Multi-host URLs (HA: `h1:p1,h2:p2?target_session_attrs=read-write`) get a pool whose new
  // connections go to the current primary; a connection that broke (a failover) is dropped
  // by the pool and the next one finds the new primary.
  const pool = createDbPool(connectionString, {
    max,
    application_name: options.applicationName ?? 'switchboard-gateway',
    connectionTimeoutMillis: options.acquireTimeoutMs ?? defaultAcquireTimeoutMs(),
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  return pool;
}

/** pg-pool's error for a connection not acquired (or not opened) in time. */
export const isPoolTimeout = (error: unknown): boolean =>
  error instanceof Error && /timeout exceeded when trying to connect|Connection terminated due to connection timeout/.test(error.message);

/** The 503 every route answers when no database connection could be had in time. */
export const poolBusy = () =>
  new ApiError(503, 'unavailable', 'The service is busy; retry shortly.', { 'retry-after': '2' });

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { migrate as migrateCommitted, watch as runCurrent, type Settings } from 'graphile-migrate';
import { Logger, runMigrations as installWorkerSchema } from 'graphile-worker';
import { type StackConfig, ROLES } from '../../lib/config.ts';
import { projectRoot } from '../../lib/paths.ts';
import { formatDbUrl, parseDbUrl, pinToPrimary } from '../../lib/multihost.ts';

/** Multi-host URLs (HA) pinned to the current primary: bootstrap and migrations talk to one node. */
async function onPrimary(config: StackConfig): Promise<StackConfig> {
  // A formation that has just started may need a moment to have a read-write node.
  const pin = async (url: string) => {
    for (const deadline = Date.now() + 60_000; ; ) {
      try {
        return await pinToPrimary(url);
      } catch (error) {
        if (!(error as { failingOver?: boolean }).failingOver || Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  };
  if (!config.rootUrl) return { ...config, ownerUrl: await pin(config.ownerUrl) };
  // The superuser finds the primary (the owner role may not exist yet); the owner goes there too.
  const rootUrl = await pin(config.rootUrl);
  const [primary] = parseDbUrl(rootUrl).hosts;
  const owner = parseDbUrl(config.ownerUrl);
  owner.params.delete('target_session_attrs');
  return { ...config, rootUrl, ownerUrl: formatDbUrl({ ...owner, hosts: [primary] }) };
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const quietLogger = new Logger(() => () => {});

const quoteIdent = (name: string) => '"' + name.replace(/"/g, '""') + '"';

/**
 * As a superuser: the owner role and database (for the local cluster), then the
 * cluster-level roles and extensions of afterReset.sql, then role passwords from the
 * environment. Idempotent; runs on every start.
 */
export async function bootstrap(config: StackConfig, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (!config.rootUrl) return; // An existing database whose roles an operator manages.
  config = await onPrimary(config);
  const owner = new URL(config.ownerUrl);
  const database = owner.pathname.slice(1);
  const ownerRole = decodeURIComponent(owner.username);
  const maintenanceUrl = new URL(config.rootUrl!);
  maintenanceUrl.pathname = '/postgres';
  await withClient(maintenanceUrl.toString(), async (client) => {
    const { rowCount: hasRole } = await client.query('select 1 from pg_roles where rolname = $1', [ownerRole]);
    // BYPASSRLS: security definer functions owned by it must see every tenant's rows
    // even though RLS is forced on the tables it owns.
    if (!hasRole) await client.query(`create role ${quoteIdent(ownerRole)} login bypassrls`);
    if (env.OWNER_DB_PASSWORD) {
      await client.query(`alter role ${quoteIdent(ownerRole)} password ${pg.escapeLiteral(env.OWNER_DB_PASSWORD)}`);
    }
    const { rowCount: hasDb } = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (!hasDb) await client.query(`create database ${quoteIdent(database)} owner ${quoteIdent(ownerRole)}`);
    // A database made by someone else (pg_autoctl creates it on an HA node) changes hands once.
    else await client.query(`alter database ${quoteIdent(database)} owner to ${quoteIdent(ownerRole)}`);
  });
  const rootOnAppDb = new URL(config.rootUrl!);
  rootOnAppDb.pathname = `/${database}`;
  await withClient(rootOnAppDb.toString(), async (client) => {
    await client.query(readFileSync(join(projectRoot, 'db/migrations/afterReset.sql'), 'utf8'));
    const passwords: Array<[string, string | undefined]> = [
      [ROLES.authenticator, env.AUTHENTICATOR_DB_PASSWORD],
      [ROLES.gateway, env.GATEWAY_DB_PASSWORD],
      [ROLES.worker, env.WORKER_DB_PASSWORD],
    ];
    for (const [role, password] of passwords) {
      if (password) await client.query(`alter role ${quoteIdent(role)} password ${pg.escapeLiteral(password)}`);
    }
  });
}

export function migrateSettings(config: StackConfig): Settings {
  const gmrc = JSON.parse(readFileSync(join(projectRoot, '.gmrc'), 'utf8')) as Settings & { '//'?: string };
  delete gmrc['//'];
  return {
    ...gmrc,
    migrationsFolder: join(projectRoot, 'db/migrations'),
    connectionString: config.ownerUrl,
    rootConnectionString: config.rootUrl ?? config.ownerUrl,
  };
}

/**
 * graphile-worker's schema first (our migrations grant on it), then the committed
 * migrations, then the current (uncommitted) migration.
 */
export async function migrate(config: StackConfig): Promise<void> {
  config = await onPrimary(config);
  await installWorkerSchema({ connectionString: config.ownerUrl, logger: quietLogger });
  const settings = migrateSettings(config);
  await migrateCommitted(settings, false, false);
  // Uncommitted work in db/migrations/current/ (empty once committed).
  await runCurrent(settings, true, false);
}

import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { LocalCluster } from './cluster.ts';
import { HaFormation } from './ha.ts';
import { LOCAL_DATABASE, resolveConfig, type StackConfig } from '../../lib/config.ts';
import { bootstrap, migrate } from './database.ts';
import { freePort } from '../../lib/ports.ts';

const PREFIX = 'switchboard-test-';
const OWNER_FILE = 'owner.pid';

/**
 * Stops and removes throwaway clusters whose creating process is gone: a test or bench run
 * killed with SIGKILL never reaches its `finally`, and its postmaster would run on forever.
 */
function sweepAbandonedClusters(): void {
  for (const name of readdirSync(tmpdir()).filter((n) => n.startsWith(PREFIX))) {
    const dataDir = join(tmpdir(), name);
    const ownerFile = join(dataDir, OWNER_FILE);
    if (!existsSync(ownerFile) || processAlive(Number(readFileSync(ownerFile, 'utf8')))) continue;
    try {
      new LocalCluster({ dataDir, port: 0, superuserPassword: '' }).destroy();
    } catch {
      /* another run is sweeping it, or it is half-made: leave it for the next sweep */
    }
  }
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A throwaway cluster for tests: its own data dir and port, migrated like production.
 * Returns the environment that makes resolveConfig() point at it.
 */
export async function createTestCluster(
  options: { durable?: boolean; migrate?: boolean } = {},
): Promise<{ cluster: LocalCluster; env: Record<string, string>; config: StackConfig }> {
  sweepAbandonedClusters();
  const dataDir = mkdtempSync(join(tmpdir(), PREFIX));
  writeFileSync(join(dataDir, OWNER_FILE), String(process.pid));
  const port = await freePort();
  const secret = () => randomBytes(16).toString('hex');
  const superuserPassword = secret();
  // Tests trade durability for speed; benchmarks keep fsync on, as production does.
  const cluster = new LocalCluster({ dataDir, port, superuserPassword, ephemeral: !options.durable });
  cluster.start();
  const env: Record<string, string> = {
    SWITCHBOARD_HOME: dataDir,
    LOCAL_PG_PORT: String(port),
    LOCAL_PG_SUPERUSER_PASSWORD: superuserPassword,
    OWNER_DB_PASSWORD: secret(),
    AUTHENTICATOR_DB_PASSWORD: secret(),
    GATEWAY_DB_PASSWORD: secret(),
    WORKER_DB_PASSWORD: secret(),
    JWT_SECRET: randomBytes(32).toString('hex'),
    ENCRYPTION_KEY: randomBytes(32).toString('hex'),
  };
  const config = resolveConfig(env);
  try {
    await bootstrap(config, env);
    if (options.migrate !== false) await migrate(config);
  } catch (error) {
    // A cluster whose migration failed is of no use to anyone: do not leave it running.
    cluster.destroy();
    throw error;
  }
  return { cluster, env, config };
}

export const testDatabase = LOCAL_DATABASE;

const HA_PREFIX = 'switchboard-ha-';

/** Stops and removes throwaway HA formations whose creating process is gone (see sweepAbandonedClusters). */
async function sweepAbandonedFormations(): Promise<void> {
  for (const name of readdirSync(tmpdir()).filter((n) => n.startsWith(HA_PREFIX))) {
    const home = join(tmpdir(), name);
    const ownerFile = join(home, OWNER_FILE);
    if (!existsSync(ownerFile) || processAlive(Number(readFileSync(ownerFile, 'utf8')))) continue;
    try {
      await new HaFormation({ dataDir: join(home, '.data', 'ha'), monitorPort: 0, nodePorts: [0, 0], superuserPassword: '' }).destroy();
      rmSync(home, { recursive: true, force: true });
    } catch {
      /* half-made or being swept: the next sweep tries again */
    }
  }
}

/**
 * A throwaway pg_auto_failover formation (monitor and two synchronous nodes) for drills and
 * tests, migrated on its primary. Its env makes resolveConfig() use multi-host URIs.
 */
export async function createTestFormation(): Promise<{ formation: HaFormation; env: Record<string, string>; config: StackConfig }> {
  await sweepAbandonedFormations();
  // Setting up can fail for reasons outside the code under test (a free port found here taken
  // by a parallel test before pg_autoctl binds it; once in CI, pg_autoctl's node-init exited
  // with status 12): one more try, on new ports and in a new home.
  try {
    return await createTestFormationOnce();
  } catch (error) {
    console.error(`HA test formation could not be set up, trying once more: ${(error as Error).message}`);
    return createTestFormationOnce();
  }
}

async function createTestFormationOnce(): Promise<{ formation: HaFormation; env: Record<string, string>; config: StackConfig }> {
  const home = mkdtempSync(join(tmpdir(), HA_PREFIX));
  writeFileSync(join(home, OWNER_FILE), String(process.pid));
  const secret = () => randomBytes(16).toString('hex');
  const env: Record<string, string> = {
    SWITCHBOARD_HOME: home,
    SWITCHBOARD_HA: '1',
    HA_MONITOR_PORT: String(await freePort()),
    HA_NODE1_PORT: String(await freePort()),
    HA_NODE2_PORT: String(await freePort()),
    LOCAL_PG_SUPERUSER_PASSWORD: secret(),
    OWNER_DB_PASSWORD: secret(),
    AUTHENTICATOR_DB_PASSWORD: secret(),
    GATEWAY_DB_PASSWORD: secret(),
    WORKER_DB_PASSWORD: secret(),
    JWT_SECRET: randomBytes(32).toString('hex'),
    ENCRYPTION_KEY: randomBytes(32).toString('hex'),
  };
  const config = resolveConfig(env);
  const formation = new HaFormation(config.ha!);
  // Destroying the formation also removes its throwaway home.
  const destroy = formation.destroy.bind(formation);
  formation.destroy = async () => {
    await destroy();
    rmSync(home, { recursive: true, force: true });
  };
  try {
    await formation.start();
    // Both pin the multi-host URLs to the node that is read-write.
    await bootstrap(config, env);
    await migrate(config);
  } catch (error) {
    await formation.destroy();
    throw error;
  }
  return { formation, env, config };
}

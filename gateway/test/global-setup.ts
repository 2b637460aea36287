import type { TestProject } from 'vitest/node';
import { resolveConfig } from '../../lib/config.ts';
import { freePort } from '../../lib/ports.ts';
import { type Service, startServices, stopServices } from '../../scripts/lib/services.ts';
import { ensureConsoleBuilt } from '../../scripts/lib/console-build.ts';

/**
 * Starts the real PostgREST, gateway and worker against the cluster npm test created
 * (its coordinates arrive in the environment), on free ports.
 */
let services: Service[] = [];

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!process.env.LOCAL_PG_PORT && !process.env.DATABASE_URL) {
    throw new Error('run the suites with `npm test`: it creates the test cluster vitest runs against');
  }
  // Every test file logs in from 127.0.0.1 against this one gateway: the per-IP auth limit
  // (30/min by default) is a production guard, not something each test should trip over.
  process.env.AUTH_RATE_LIMIT_PER_MINUTE ??= '100000';
  process.env.REST_RATE_PER_IP_PER_MINUTE ??= '100000';
  // A short credential cache and few attempts before a dead letter keep those tests quick.
  const env = { ...process.env, PORT: String(await freePort()), PGRST_PORT: String(await freePort()), LOG_LEVEL: 'warn', SOURCE_CACHE_TTL_MS: '1000', WEBHOOK_MAX_ATTEMPTS: '2' };
  // Outbound deliveries go to local receivers in tests: the operator's SSRF allowance is on.
  Object.assign(env, { DELIVERY_ALLOW_PRIVATE_URLS: '1' });
  // The gateway's drain window on SIGTERM (5 s in production) kept short for the teardown.
  Object.assign(env, { SHUTDOWN_DRAIN_MS: '300' });
  // The gateway serves the operator console's build (console.test.ts drives it in a browser).
  await ensureConsoleBuilt();
  const config = resolveConfig(env);
  services = await startServices(config, { env, quiet: true });
  project.provide('stack', {
    gatewayUrl: `http://127.0.0.1:${config.gatewayPort}`,
    postgrestUrl: `http://127.0.0.1:${config.pgrstPort}`,
    env: env as Record<string, string>,
    // console-rpc tests read its environment (/proc/<pid>/environ): no ENCRYPTION_KEY there.
    postgrestPid: services.find((s) => s.name === 'postgrest')?.child.pid ?? 0,
  });
  return async () => {
    await stopServices(services);
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    stack: { gatewayUrl: string; postgrestUrl: string; env: Record<string, string>; postgrestPid: number };
  }
}

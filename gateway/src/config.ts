import { z } from 'zod';
import { loadEnvFile, resolveConfig } from '../../scripts/lib/config.ts';

export interface GatewayConfig {
  port: number;
  host: string;
  databaseUrl: string;
  postgrestUrl: string;
  jwtSecret: string;
  encryptionKey: string;
  accessTokenTtlSeconds: number;
  workerHeartbeatMaxAgeSeconds: number;
  authRateLimitPerMinute: number;
  logLevel: string;
}

const tunables = z.object({
  HOST: z.string().default('127.0.0.1'),
  POSTGREST_URL: z.string().url().optional(),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(900),
  WORKER_HEARTBEAT_MAX_AGE_SECONDS: z.coerce.number().int().positive().default(60),
  AUTH_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(30),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export function gatewayConfigFromEnv(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  loadEnvFile(env);
  const stack = resolveConfig(env);
  const t = tunables.parse(env);
  return {
    port: stack.gatewayPort,
    host: t.HOST,
    databaseUrl: stack.gatewayUrl,
    postgrestUrl: t.POSTGREST_URL ?? `http://127.0.0.1:${stack.pgrstPort}`,
    jwtSecret: stack.jwtSecret,
    encryptionKey: stack.encryptionKey,
    accessTokenTtlSeconds: t.ACCESS_TOKEN_TTL_SECONDS,
    workerHeartbeatMaxAgeSeconds: t.WORKER_HEARTBEAT_MAX_AGE_SECONDS,
    authRateLimitPerMinute: t.AUTH_RATE_LIMIT_PER_MINUTE,
    logLevel: t.LOG_LEVEL,
  };
}

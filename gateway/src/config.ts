import { z } from 'zod';
import { loadEnvFile, resolveConfig } from '../../lib/config.ts';

export interface GatewayConfig {
  port: number;
  host: string;
  databaseUrl: string;
  postgrestUrl: string;
  /** The read-only PostgREST on a standby, when there is one: the /rest/ proxy sends GET and HEAD there. */
  postgrestReadUrl?: string;
  jwtSecret: string;
  encryptionKey: string;
  accessTokenTtlSeconds: number;
  workerHeartbeatMaxAgeSeconds: number;
  authRateLimitPerMinute: number;
  webhooks: {
    bodyLimit: number; credentialTtlMs: number; ratePerSourcePerMinute: number; ratePerIpPerMinute: number;
    /** Group commit (gateway/src/webhooks/group-commit.ts): events per statement, statements at once. */
    groupCommitMaxBatch?: number; groupCommitMaxInFlight?: number;
  };
  logLevel: string;
  /** DELIVERY_ALLOW_PRIVATE_URLS: endpoints created from the console may be private or plain http. */
  deliveryAllowPrivateUrls: boolean;
}

const tunables = z.object({
  HOST: z.string().default('127.0.0.1'),
  POSTGREST_URL: z.string().url().optional(),
  POSTGREST_READ_URL: z.string().url().optional(),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(900),
  WORKER_HEARTBEAT_MAX_AGE_SECONDS: z.coerce.number().int().positive().default(60),
  AUTH_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(30),
  WEBHOOK_BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(256 * 1024),
  // How long a rotated-out or disabled secret may still pass: the credential cache TTL.
  SOURCE_CACHE_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(5_000),
  WEBHOOK_RATE_PER_SOURCE_PER_MINUTE: z.coerce.number().int().positive().default(60_000),
  WEBHOOK_RATE_PER_IP_PER_MINUTE: z.coerce.number().int().positive().default(120_000),
  // Group commit: 1 stores every webhook alone (as before issue 23).
  WEBHOOK_GROUP_COMMIT_MAX_BATCH: z.coerce.number().int().min(1).max(1000).default(64),
  WEBHOOK_GROUP_COMMIT_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(16).default(2),
  DELIVERY_ALLOW_PRIVATE_URLS: z.string().default(''),
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
    postgrestReadUrl: t.POSTGREST_READ_URL ?? (stack.read ? `http://127.0.0.1:${stack.read.port}` : undefined),
    jwtSecret: stack.jwtSecret,
    encryptionKey: stack.encryptionKey,
    accessTokenTtlSeconds: t.ACCESS_TOKEN_TTL_SECONDS,
    workerHeartbeatMaxAgeSeconds: t.WORKER_HEARTBEAT_MAX_AGE_SECONDS,
    authRateLimitPerMinute: t.AUTH_RATE_LIMIT_PER_MINUTE,
    webhooks: {
      bodyLimit: t.WEBHOOK_BODY_LIMIT_BYTES,
      credentialTtlMs: t.SOURCE_CACHE_TTL_MS,
      ratePerSourcePerMinute: t.WEBHOOK_RATE_PER_SOURCE_PER_MINUTE,
      ratePerIpPerMinute: t.WEBHOOK_RATE_PER_IP_PER_MINUTE,
      groupCommitMaxBatch: t.WEBHOOK_GROUP_COMMIT_MAX_BATCH,
      groupCommitMaxInFlight: t.WEBHOOK_GROUP_COMMIT_MAX_IN_FLIGHT,
    },
    logLevel: t.LOG_LEVEL,
    deliveryAllowPrivateUrls: /^(1|true|yes)$/i.test(t.DELIVERY_ALLOW_PRIVATE_URLS),
  };
}

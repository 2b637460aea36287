import Fastify, { type FastifyInstance, LogController } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { GatewayConfig } from './config.ts';
import type { Db } from './db.ts';
import { TokenIssuer } from './jwt.ts';
import { registerErrorHandling } from './plugins/errors.ts';
import { registerMetrics } from './plugins/metrics.ts';
import { authRoutes } from './routes/auth.ts';
import { healthRoutes } from './routes/health.ts';
import { uploadRoutes } from './routes/uploads.ts';
import { consentRoutes } from './routes/consent.ts';
import { unsubscribeRoutes } from './routes/unsubscribe.ts';
import { trackingRoutes } from './routes/tracking.ts';
import { mfaRoutes } from './routes/mfa.ts';
import { ssoRoutes } from './routes/sso.ts';
import { allowedOriginsFromEnv, registerCors } from './routes/auth-cors.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { consoleRoutes } from './routes/console.ts';
import { consoleDist } from '../../scripts/lib/console-build.ts';

/** Paths pino must never write: credentials, tokens and signatures. */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-signature"]',
  'req.headers["webhook-signature"]',
  'req.headers["x-smartlead-signature"]',
  'req.headers["x-replyio-signature"]',
  'req.headers["x-timestamp"]',
  'body.password',
  'body.refresh_token',
  'body.totp_code',
  'body.code',
  'body.current_password',
  'body.new_password',
  'body.token',
];

export async function buildServer(config: GatewayConfig, db: Db): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: config.logLevel, redact: { paths: redactPaths, censor: '[redacted]' } },
    logController: new LogController({ requestIdLogLabel: 'request_id' }),
    genReqId: (req) => (req.headers['x-request-id'] as string | undefined) ?? crypto.randomUUID(),
    bodyLimit: 256 * 1024,
    trustProxy: process.env.TRUST_PROXY === 'true',
  });
  registerErrorHandling(app);
  registerMetrics(app);
  await app.register(rateLimit, { global: false });
  registerCors(app, { allowedOrigins: allowedOriginsFromEnv() });

  const tokens = new TokenIssuer(config.jwtSecret, config.accessTokenTtlSeconds);
  await app.register(healthRoutes, {
    db,
    postgrestUrl: config.postgrestUrl,
    workerHeartbeatMaxAgeSeconds: config.workerHeartbeatMaxAgeSeconds,
  });
  await app.register(authRoutes, { db, tokens, rateLimitPerMinute: config.authRateLimitPerMinute, encryptionKey: config.encryptionKey });
  await app.register(mfaRoutes, { db, tokens, rateLimitPerMinute: config.authRateLimitPerMinute, encryptionKey: config.encryptionKey });
  await app.register(ssoRoutes, { db, tokens, rateLimitPerMinute: config.authRateLimitPerMinute, encryptionKey: config.encryptionKey, publicUrl: process.env.PUBLIC_URL });
  await app.register(webhookRoutes, { db, encryptionKey: config.encryptionKey, ...config.webhooks });
  await app.register(uploadRoutes, { db, encryptionKey: config.encryptionKey });
  await app.register(consentRoutes, { db, encryptionKey: config.encryptionKey, tokens, publicUrl: process.env.PUBLIC_URL });
  await app.register(unsubscribeRoutes, { db, encryptionKey: config.encryptionKey });
  await app.register(trackingRoutes, { db, encryptionKey: config.encryptionKey });
  // The operator console at / and PostgREST on the same origin under /rest/.
  await app.register(consoleRoutes, { postgrestUrl: config.postgrestUrl, postgrestReadUrl: config.postgrestReadUrl, distDir: process.env.CONSOLE_DIST_DIR ?? consoleDist });
  return app;
}

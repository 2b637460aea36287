import Fastify, { type FastifyInstance, LogController } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { GatewayConfig } from './config.ts';
import { createPool, type Db } from './db.ts';
import { TokenIssuer } from './jwt.ts';
import { registerErrorHandling } from './plugins/errors.ts';
import { registerMetrics } from './plugins/metrics.ts';
import { authRoutes } from './routes/auth.ts';
import { healthRoutes } from './routes/health.ts';
import { uploadLimitsFromEnv, uploadRoutes } from './routes/uploads.ts';
import { consentRoutes } from './routes/consent.ts';
import { unsubscribeRoutes } from './routes/unsubscribe.ts';
import { appointmentCancelRoutes } from './routes/appointment-cancel.ts';
import { handoffRoutes } from './routes/handoff.ts';
import { trackingRoutes } from './routes/tracking.ts';
import { mfaRoutes } from './routes/mfa.ts';
import { ssoRoutes } from './routes/sso.ts';
import { invitationRoutes } from './routes/invitations.ts';
import { type PublicUrlPolicy, publicUrlPolicyFromEnv, publicUrlWarning } from './public-url.ts';
import { allowedOriginsFromEnv, registerCors } from './routes/auth-cors.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { consoleRoutes } from './routes/console.ts';
import { calendarRoutes } from './routes/calendar.ts';
import { consoleRpcRoutes } from './routes/console-rpc.ts';
import { consoleDist } from '../../lib/paths.ts';

/** Paths pino must never write: credentials, tokens and signatures. */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-signature"]',
  'req.headers["webhook-signature"]',
  'req.headers["x-smartlead-signature"]',
  'req.headers["x-timestamp"]',
  'req.headers["x-vapi-secret"]',
  'body.password',
  'body.refresh_token',
  'body.totp_code',
  'body.code',
  'body.current_password',
  'body.new_password',
  'body.token',
  'req.headers["x-twilio-signature"]',
  'body.api_key',
  'body.auth_token',
  'body.api_key_secret',
];

/** A webhook URL's path secret (`/webhooks/{provider}/{source_id}/{secret}`) never reaches a log. */
export function redactUrl(url: string): string {
  return url.replace(/^(\/webhooks\/[^/?#]+\/[^/?#]+\/)[^?#]*/, '$1[redacted]');
}

/**
 * `db` serves logins, webhooks, health and every short query. Lead uploads hold a connection
 * for as long as their body streams, so they run on a small pool of their own (`uploadDb`,
 * made here when not given: `UPLOAD_MAX_CONCURRENT` connections, closed with the server) and
 * can never take the connections the rest needs.
 */
export async function buildServer(config: GatewayConfig, db: Db, options: { uploadDb?: Db; publicUrlPolicy?: PublicUrlPolicy } = {}): Promise<FastifyInstance> {
  const uploadLimits = uploadLimitsFromEnv();
  const uploadDb = options.uploadDb ?? createPool(config.databaseUrl, uploadLimits.maxConcurrent, { applicationName: `switchboard-gateway-uploads:${process.pid}` });
  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: { paths: redactPaths, censor: '[redacted]' },
      serializers: {
        req: (req) => ({ method: req.method, url: redactUrl(req.url), host: req.host, remoteAddress: req.ip, remotePort: req.socket?.remotePort }),
      },
    },
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
  // Consent links and the SSO redirect_uri: PUBLIC_URL, else only hosts in ALLOWED_HOSTS (never in production).
  const publicUrlPolicy = options.publicUrlPolicy ?? publicUrlPolicyFromEnv();
  const linkWarning = publicUrlWarning(publicUrlPolicy);
  if (linkWarning) app.log.warn(linkWarning);
  await app.register(healthRoutes, {
    db,
    postgrestUrl: config.postgrestUrl,
    workerHeartbeatMaxAgeSeconds: config.workerHeartbeatMaxAgeSeconds,
  });
  await app.register(authRoutes, { db, tokens, rateLimitPerMinute: config.authRateLimitPerMinute, encryptionKey: config.encryptionKey });
  await app.register(invitationRoutes, { db, tokens, rateLimitPerMinute: config.authRateLimitPerMinute });
  await app.register(mfaRoutes, { db, tokens, rateLimitPerMinute: config.authRateLimitPerMinute, encryptionKey: config.encryptionKey });
  await app.register(ssoRoutes, { db, tokens, rateLimitPerMinute: config.authRateLimitPerMinute, encryptionKey: config.encryptionKey, publicUrl: process.env.PUBLIC_URL, publicUrlPolicy });
  await app.register(webhookRoutes, { db, encryptionKey: config.encryptionKey, ...config.webhooks });
  await app.register(uploadRoutes, { db, uploadDb, encryptionKey: config.encryptionKey, limits: uploadLimits, tokens });
  if (!options.uploadDb) app.addHook('onClose', async () => void (await Promise.race([uploadDb.end(), new Promise((r) => setTimeout(r, 2_000))])));
  await app.register(consentRoutes, { db, encryptionKey: config.encryptionKey, tokens, publicUrl: process.env.PUBLIC_URL, publicUrlPolicy });
  await app.register(unsubscribeRoutes, { db, encryptionKey: config.encryptionKey });
  await app.register(appointmentCancelRoutes, { db, encryptionKey: config.encryptionKey });
  await app.register(handoffRoutes, { db, encryptionKey: config.encryptionKey, tokens });
  await app.register(trackingRoutes, { db, encryptionKey: config.encryptionKey });
  await app.register(calendarRoutes, { db });
  // The console's secret-issuing calls: the key stays here, PostgREST never holds it.
  await app.register(consoleRpcRoutes, { db, tokens, encryptionKey: config.encryptionKey, allowPrivateUrls: config.deliveryAllowPrivateUrls });
  // The operator console at / and PostgREST on the same origin under /rest/.
  await app.register(consoleRoutes, { postgrestUrl: config.postgrestUrl, postgrestReadUrl: config.postgrestReadUrl, distDir: process.env.CONSOLE_DIST_DIR ?? consoleDist, tokens });
  return app;
}

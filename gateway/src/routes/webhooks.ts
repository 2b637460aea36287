import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Db } from '../db.ts';
import { ApiError, invalidPayload } from '../errors.ts';
import { CredentialCache } from '../webhooks/credentials.ts';
import { providers } from '../webhooks/providers/index.ts';
import { recordSignatureFailure } from '../plugins/metrics.ts';

export interface WebhookOptions {
  db: Db;
  encryptionKey: string;
  bodyLimit: number;
  credentialTtlMs: number;
  ratePerSourcePerMinute: number;
  ratePerIpPerMinute: number;
}

const params = z.object({ provider: z.string(), source_id: z.string() });
const uuid = z.string().uuid();

/** Unknown, disabled and badly signed all look the same to the sender. */
const invalidSignature = () => new ApiError(401, 'invalid_signature', 'The signature is missing, expired or does not match.');

/**
 * POST /webhooks/{provider}/{source_id}: verify the signature over the raw body, validate,
 * then one SQL call stores the event and its processing job in one transaction.
 * 202 accepted / 200 duplicate are only sent after that commit.
 */
export async function webhookRoutes(app: FastifyInstance, options: WebhookOptions): Promise<void> {
  const credentials = new CredentialCache(options.db, options.encryptionKey, options.credentialTtlMs);

  // The signature covers the exact bytes, so this scope keeps JSON bodies raw.
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: options.bodyLimit }, (_req, body, done) =>
    done(null, body),
  );

  // Two independent limits (a request counts against both), checked before the body is read.
  const limits = [
    app.createRateLimit({ max: options.ratePerIpPerMinute, timeWindow: '1 minute', keyGenerator: (req) => `ip:${req.ip}` }),
    app.createRateLimit({
      max: options.ratePerSourcePerMinute,
      timeWindow: '1 minute',
      keyGenerator: (req: FastifyRequest) => `source:${(req.params as { source_id?: string }).source_id}`,
    }),
  ];
  const rateLimited = async (request: FastifyRequest) => {
    for (const limit of limits) {
      const result = await limit(request);
      if (!result.isAllowed && result.isExceeded) {
        throw new ApiError(429, 'rate_limited', 'Too many webhooks; retry later.', { 'retry-after': String(result.ttlInSeconds) });
      }
    }
  };

  app.post('/webhooks/:provider/:source_id', { bodyLimit: options.bodyLimit, onRequest: rateLimited }, async (request, reply) => {
    const { provider: providerName, source_id: sourceId } = params.parse(request.params);
    const provider = providers[providerName];
    if (!provider) throw new ApiError(404, 'not_found', 'No such webhook provider.');
    const contentType = request.headers['content-type'] ?? '';
    if (!/^application\/json\s*(;|$)/i.test(contentType) || !Buffer.isBuffer(request.body)) {
      throw new ApiError(415, 'unsupported_media_type', 'Webhooks must be sent as application/json.');
    }
    const rawBody = request.body;
    if (!uuid.safeParse(sourceId).success) throw invalidSignature();

    const source = await credentials.get(sourceId, providerName).catch((error) => {
      request.log.error({ err: error }, 'credential lookup failed');
      throw new ApiError(503, 'unavailable', 'The event could not be stored; retry later.', { 'retry-after': '5' });
    });
    const signed = { headers: request.headers, rawBody, nowMs: Date.now() };
    if (!source || !provider.verify(signed, source.secrets)) {
      recordSignatureFailure(providerName, source ? sourceId : undefined);
      throw invalidSignature();
    }

    let json: unknown;
    try {
      json = JSON.parse(rawBody.toString('utf8'));
    } catch {
      throw invalidPayload('The body is not valid JSON.');
    }
    const payload = provider.schema.parse(json);
    request.log.info({ org_id: source.orgId, provider: providerName }, 'webhook verified');

    const immediate = await provider.respondNow?.(payload, { db: options.db, orgId: source.orgId, sourceId });
    if (immediate) return reply.code(immediate.status).send(immediate.body);

    const fields = provider.inboxFields(payload, signed);
    let row: { event_id: string; duplicate: boolean };
    try {
      // pg_current_xact_id() gives even a duplicate's transaction a commit record, so its 200
      // also waits for the synchronous standby (HA): after a crash the old primary may hold an
      // event that never reached the standby, and must not vouch for it.
      const { rows } = await options.db.query<{ event_id: string; duplicate: boolean }>(
        'select event_id, duplicate from app_private.ingest_webhook_event($1, $2, $3, $4, $5, $6, $7::jsonb), pg_current_xact_id()',
        [sourceId, providerName, fields.dedupeKey, fields.partitionKey ?? null, fields.eventType ?? null, fields.occurredAt ?? null, rawBody.toString('utf8')],
      );
      row = rows[0];
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      if (code === 'P0002') throw invalidSignature(); // disabled since the cached lookup
      if (code.startsWith('22')) throw invalidPayload('The payload contains values that cannot be stored.');
      request.log.error({ err: error }, 'webhook could not be stored');
      throw new ApiError(503, 'unavailable', 'The event could not be stored; retry later.', { 'retry-after': '5' });
    }
    return reply
      .code(row.duplicate ? 200 : 202)
      .send({ status: row.duplicate ? 'duplicate' : 'accepted', event_id: row.event_id });
  });
}

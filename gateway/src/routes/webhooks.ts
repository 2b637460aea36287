import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../db.ts';
import { ApiError, invalidPayload } from '../errors.ts';
import { CredentialCache } from '../webhooks/credentials.ts';
import { providers } from '../webhooks/providers/index.ts';
import { recordSignatureFailure } from '../plugins/metrics.ts';
import { matchesAnySecret } from '../webhooks/signatures.ts';
import { maskSecretKey } from '../webhooks/providers/common.ts';
import { GroupCommit } from '../webhooks/group-commit.ts';

export interface WebhookOptions {
  db: Db;
  encryptionKey: string;
  bodyLimit: number;
  credentialTtlMs: number;
  ratePerSourcePerMinute: number;
  ratePerIpPerMinute: number;
  groupCommitMaxBatch?: number;
  groupCommitMaxInFlight?: number;
}

/**
 * The route's parameters are always strings (find-my-way decodes them); a regular expression
 * instead of zod here, per webhook: zod 3's object and uuid parsers cost more CPU than the HMAC.
 */
interface Params { provider: string; source_id: string; secret?: string }
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Unknown, disabled and badly signed all look the same to the sender. */
const invalidSignature = () => new ApiError(401, 'invalid_signature', 'The signature is missing, expired or does not match.');

/**
 * POST /webhooks/{provider}/{source_id}[/{secret}]: authenticate (the secret in the URL, or
 * what the provider sends: a signature, a header, a body field), validate, then one SQL call
 * stores the event and its processing job in one transaction (shared with the webhooks that
 * arrive at the same moment: group commit). 202 accepted / 200 duplicate are only sent after
 * that commit. The path's secret is never logged (server.ts's request
 * serializer) and never a metric label (routes are labelled by pattern).
 */
export async function webhookRoutes(app: FastifyInstance, options: WebhookOptions): Promise<void> {
  const credentials = new CredentialCache(options.db, options.encryptionKey, options.credentialTtlMs);
  // Webhooks arriving together share one transaction (see group-commit.ts for why and what stays the same).
  const inbox = new GroupCommit(options.db, { maxBatch: options.groupCommitMaxBatch, maxInFlight: options.groupCommitMaxInFlight });

  // The signature covers the exact bytes, so this scope keeps JSON bodies raw.
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: options.bodyLimit }, (_req, body, done) =>
    done(null, body),
  );
  // issue 22 (twilio): form-encoded bodies stay raw too; a provider with `contentType` takes them.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer', bodyLimit: options.bodyLimit }, (_req, body, done) =>
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

  const receive = async (request: FastifyRequest, reply: FastifyReply) => {
    const { provider: providerName, source_id: sourceId, secret: pathSecret } = request.params as Params;
    const provider = providers[providerName];
    if (!provider) throw new ApiError(404, 'not_found', 'No such webhook provider.');
    const contentType = request.headers['content-type'] ?? '';
    // issue 22 (twilio): a provider may take another content type (Twilio posts forms).
    if (!(provider.contentType ?? /^application\/json\s*(;|$)/i).test(contentType) || !Buffer.isBuffer(request.body)) {
      throw new ApiError(415, 'unsupported_media_type', provider.contentType
        ? 'These webhooks must be sent as application/x-www-form-urlencoded.' : 'Webhooks must be sent as application/json.');
    }
    const rawBody = request.body;
    if (!uuid.test(sourceId)) throw invalidSignature();

    const source = await credentials.get(sourceId, providerName).catch((error) => {
      request.log.error({ err: error }, 'credential lookup failed');
      throw new ApiError(503, 'unavailable', 'The event could not be stored; retry later.', { 'retry-after': '5' });
    });
    // Parsed before authentication because SmartLead's secret is a body field; a body that is
    // not JSON is only reported once the sender has proved who it is.
    let json: unknown;
    try {
      json = provider.parseBody ? provider.parseBody(rawBody) : JSON.parse(rawBody.toString('utf8'));
    } catch {
      json = undefined;
    }
    const signed = { headers: request.headers, rawBody, json, method: request.method, url: requestUrl(request), nowMs: Date.now() };
    const byUrl = source !== null && matchesAnySecret(pathSecret, source.secrets);
    const byProvider = source !== null && provider.verify(signed, source);
    if (!source || !(byUrl || byProvider)) {
      recordSignatureFailure(providerName, source ? sourceId : undefined);
      throw invalidSignature();
    }
    if (json === undefined) throw invalidPayload('The body is not valid JSON.');
    const payload = provider.schema.parse(json);
    request.log.info({ org_id: source.orgId, provider: providerName }, 'webhook verified');

    const immediate = await provider.respondNow?.(payload, { db: options.db, orgId: source.orgId, sourceId });
    if (immediate) return reply.code(immediate.status).send(immediate.body);

    const fields = provider.inboxFields(payload, signed);
    // A secret a platform puts in its body (SmartLead's secret_key) is never stored.
    const stored = maskSecretKey(json);
    let row: { event_id: string; duplicate: boolean };
    try {
      // Answered only after the commit of the transaction that stored it (alone or in a
      // group); pg_current_xact_id() gives even a duplicate's transaction a commit record, so
      // its 200 also waits for the synchronous standby (HA): after a crash the old primary
      // may hold an event that never reached the standby, and must not vouch for it.
      row = await inbox.store({
        sourceId, provider: providerName, dedupeKey: fields.dedupeKey, partitionKey: fields.partitionKey ?? null,
        eventType: fields.eventType ?? null, occurredAt: fields.occurredAt ?? null,
        payload: stored === json && !provider.parseBody ? rawBody.toString('utf8') : JSON.stringify(stored),
      });
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      if (code === 'P0002') throw invalidSignature(); // disabled since the cached lookup
      if (code.startsWith('22')) throw invalidPayload('The payload contains values that cannot be stored.');
      request.log.error({ err: error }, 'webhook could not be stored');
      throw new ApiError(503, 'unavailable', 'The event could not be stored; retry later.', { 'retry-after': '5' });
    }
    // issue 22 (twilio): the sender's expected acknowledgement (Twilio: TwiML), sent after the commit as usual.
    if (provider.acknowledge) return reply.code(200).type(provider.acknowledge.contentType).send(provider.acknowledge.body);
    return reply
      .code(row.duplicate ? 200 : 202)
      .send({ status: row.duplicate ? 'duplicate' : 'accepted', event_id: row.event_id });
  };
  const routeOptions = { bodyLimit: options.bodyLimit, onRequest: rateLimited };
  app.post('/webhooks/:provider/:source_id', routeOptions, receive);
  app.post('/webhooks/:provider/:source_id/:secret', routeOptions, receive);
}

/** The URL as the sender called it (Vapi's {url} placeholder): PUBLIC_URL's origin when set. */
function requestUrl(request: FastifyRequest): string {
  const origin = process.env.PUBLIC_URL?.replace(/\/+$/, '') ?? `${request.protocol}://${request.headers.host ?? request.hostname}`;
  return `${origin}${request.url}`;
}

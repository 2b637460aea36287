import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Db } from '../db.ts';
import { ApiError } from '../errors.ts';
import { type TokenIssuer, bearerClaims } from '../jwt.ts';

interface Options {
  db: Db;
  encryptionKey: string;
  tokens: TokenIssuer;
}

/**
 * Admin self-service for the secrets PostgREST must never see: campaign-tool connections
 * with their API key, and the org's Twilio credentials. The gateway holds ENCRYPTION_KEY;
 * SQL checks the session is live and its member an owner or admin. Nothing here ever
 * returns a key; everything else about a connection is read and edited through PostgREST
 * (`/campaign_connections`, `/sms_settings`).
 */
const apiKey = z.string().min(8).max(500).regex(/^\S+$/, 'no spaces');
const connectionBody = z.object({
  provider: z.enum(['smartlead', 'replyio', 'instantly']),
  campaign_id: z.union([z.string().min(1).max(200), z.number().int()]).transform(String),
  api_key: apiKey,
  name: z.string().min(1).max(200).optional(),
  field_mapping: z.record(z.unknown()).optional(),
}).strict();
const keyBody = z.object({ api_key: apiKey }).strict();
const smsBody = z.object({
  account_sid: z.string().regex(/^AC[0-9a-fA-F]{32}$/),
  auth_token: z.string().min(16).max(200).optional(),
  api_key_sid: z.string().regex(/^SK[0-9a-fA-F]{32}$/).optional(),
  api_key_secret: z.string().min(16).max(200).optional(),
  from_number: z.string().regex(/^\+[1-9]\d{7,14}$/).optional(),
  messaging_service_sid: z.string().regex(/^MG[0-9a-fA-F]{32}$/).optional(),
  status_callback_url: z.string().url().max(2000).optional(),
}).strict()
  .refine((b) => (b.api_key_sid ? !!b.api_key_secret && !b.auth_token : !!b.auth_token && !b.api_key_secret),
    { message: 'give auth_token, or api_key_sid with api_key_secret' })
  .refine((b) => !!b.from_number !== !!b.messaging_service_sid, { message: 'give from_number or messaging_service_sid' });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function refuse(status: string): never {
  if (status === 'forbidden') throw new ApiError(403, 'forbidden', 'Only owners and admins manage connections and SMS credentials.');
  if (status === 'not_found') throw new ApiError(404, 'not_found', 'No such connection.');
  throw new ApiError(401, 'unauthorized', 'The session has ended; sign in again.');
}

function parse<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ApiError(400, 'invalid_payload', `${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  return parsed.data;
}

/** SQL's own refusals (22023: an unusable mapping, a bad value) are the client's to fix. */
async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const e = error as { code?: string; message?: string };
    if (e.code === '22023' || e.code === '23514') throw new ApiError(400, 'invalid_payload', (e.message ?? 'invalid value').slice(0, 300));
    throw error;
  }
}

export async function handoffRoutes(app: FastifyInstance, options: Options): Promise<void> {
  app.post('/handoff/connections', async (request, reply) => {
    const claims = await bearerClaims(options.tokens, request.headers.authorization);
    const b = parse(connectionBody, request.body);
    const { rows: [r] } = await call(() => options.db.query<{ status: string; connection_id: string | null }>(
      'select * from app_private.admin_create_campaign_connection($1, $2, $3, $4, $5, $6::jsonb, $7)',
      [claims.sid, b.provider, b.name ?? null, b.campaign_id, b.api_key, b.field_mapping ? JSON.stringify(b.field_mapping) : null, options.encryptionKey]));
    if (r.status !== 'ok') refuse(r.status);
    return reply.code(201).send({ connection_id: r.connection_id, validation_status: 'pending' });
  });

  app.put<{ Params: { id: string } }>('/handoff/connections/:id/api-key', async (request, reply) => {
    const claims = await bearerClaims(options.tokens, request.headers.authorization);
    const b = parse(keyBody, request.body);
    if (!UUID.test(request.params.id)) refuse('not_found');
    const { rows: [r] } = await call(() => options.db.query<{ s: string }>('select app_private.admin_set_campaign_connection_key($1, $2, $3, $4) as s',
      [claims.sid, request.params.id, b.api_key, options.encryptionKey]));
    if (r.s !== 'ok') refuse(r.s);
    return reply.code(204).send();
  });

  app.put('/handoff/sms', async (request, reply) => {
    const claims = await bearerClaims(options.tokens, request.headers.authorization);
    const b = parse(smsBody, request.body);
    const { rows: [r] } = await call(() => options.db.query<{ s: string }>('select app_private.admin_configure_sms($1, $2, $3, $4, $5, $6, $7, $8) as s', [
      claims.sid, b.account_sid, b.api_key_sid ?? null, b.api_key_sid ? b.api_key_secret : b.auth_token, b.from_number ?? null,
      b.messaging_service_sid ?? null, b.status_callback_url ?? null, options.encryptionKey]));
    if (r.s !== 'ok') refuse(r.s);
    return reply.code(204).send();
  });
}

import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Db } from '../db.ts';
import { ApiError } from '../errors.ts';
import { type PublicUrlPolicy, publicBase, publicUrlPolicyFromEnv } from '../public-url.ts';
import { type TokenIssuer, bearerClaims } from '../jwt.ts';
import { escapeHtml, htmlPage, signToken, verifyToken } from './unsubscribe.ts';

/**
 * Consent links: HMAC-signed tokens carrying org, lead, a single-use nonce and an expiry.
 * GET shows the form, POST records consent (with its timestamp, in SQL). A bad or expired
 * token answers 401; a used one 410 token_used.
 */
type Consent = { o: string; l: string; n: string; x: number };

/** Issues a nonce in SQL and returns the signed token for the consent link. */
export async function createConsentToken(db: Db, encryptionKey: string, leadId: string, ttl = '7 days'): Promise<string | null> {
  const { rows } = await db.query<{ nonce: string; org_id: string; expires_at: Date }>(
    'select nonce, org_id, expires_at from app_private.issue_consent_nonce($1, $2::interval)', [leadId, ttl]);
  if (rows.length === 0) return null;
  return signToken(encryptionKey, 'consent', { o: rows[0].org_id, l: leadId, n: rows[0].nonce, x: Math.floor(rows[0].expires_at.getTime() / 1000) });
}

interface Options {
  db: Db;
  encryptionKey: string;
  /** Verifies bearer tokens for POST /leads/{id}/consent-link. */
  tokens: TokenIssuer;
  /** Base of the links returned (PUBLIC_URL); the request's own origin when unset. */
  publicUrl?: string;
  /** Where links may point when PUBLIC_URL is unset (gateway/src/public-url.ts). */
  publicUrlPolicy?: PublicUrlPolicy;
}

const linkBody = z.object({ ttl_hours: z.number().int().min(1).max(2160).optional() }).strict();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const invalid = () => new ApiError(401, 'invalid_token', 'This consent link is not valid or has expired.');
const used = () => new ApiError(410, 'token_used', 'This consent link was already used.');

// Tokens are longer than Fastify's 100-character route-parameter limit: the routes use a wildcard.
export async function consentRoutes(app: FastifyInstance, options: Options): Promise<void> {
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_request, body, done) => done(null, body));

  const read = (token: string): Consent => {
    const t = verifyToken<Consent>(options.encryptionKey, 'consent', token);
    if (!t || ![t.o, t.l, t.n].every((v) => typeof v === 'string' && UUID.test(v)) || typeof t.x !== 'number') throw invalid();
    if (t.x * 1000 <= Date.now()) throw invalid();
    return t;
  };

  // A signed-in user mints a consent link for a lead they can see (owners and admins: any
  // lead of their org; members: leads assigned to them). 201 {url, token, expires_at}.
  app.post<{ Params: { lead_id: string } }>('/leads/:lead_id/consent-link', async (request, reply) => {
    const claims = await bearerClaims(options.tokens, request.headers.authorization);
    const parsed = linkBody.safeParse(request.body ?? {});
    if (!parsed.success) throw new ApiError(400, 'invalid_payload', 'Send {"ttl_hours": 1..2160} or an empty body.');
    const notFound = () => new ApiError(404, 'not_found', 'No such lead.');
    if (!UUID.test(request.params.lead_id)) throw notFound();
    const ttl = `${parsed.data.ttl_hours ?? 168} hours`;
    // The link's base first: a refused Host must not leave an issued nonce behind.
    const base = publicBase(request, options.publicUrlPolicy ?? publicUrlPolicyFromEnv({ ...process.env, PUBLIC_URL: options.publicUrl }));
    const { rows } = await options.db.query<{ status: string; nonce: string; org_id: string; expires_at: Date }>(
      'select * from app_private.issue_consent_link($1, $2, $3::interval)', [claims.sid, request.params.lead_id, ttl]);
    const r = rows[0];
    if (r?.status === 'not_found') throw notFound();
    if (r?.status !== 'ok') throw new ApiError(401, 'unauthorized', 'The session has ended; sign in again.');
    const token = signToken(options.encryptionKey, 'consent', { o: r.org_id, l: request.params.lead_id, n: r.nonce, x: Math.floor(r.expires_at.getTime() / 1000) });
    request.log.info({ org_id: r.org_id }, 'consent link issued');
    return reply.code(201).send({ url: `${base}/consent/${token}`, token, expires_at: r.expires_at.toISOString() });
  });

  app.get<{ Params: { '*': string } }>('/consent/*', async (request, reply) => {
    const t = read(request.params['*']);
    const { rows } = await options.db.query<{ status: string; first_name: string | null; org_name: string | null }>(
      'select status, first_name, org_name from app_private.consent_page($1, $2, $3)', [t.o, t.l, t.n]);
    const status = rows[0]?.status ?? 'invalid';
    if (status === 'used') throw used();
    if (status !== 'ok') throw invalid();
    const action = `/consent/${encodeURIComponent(request.params['*'])}`;
    return htmlPage(reply, 200, 'Consent',
      `<h1>${escapeHtml(rows[0].org_name)}</h1><p>${rows[0].first_name ? `Hello ${escapeHtml(rows[0].first_name)}. ` : ''}` +
      `May we contact you about your property?</p><form method="post" action="${escapeHtml(action)}">` +
      `<button type="submit" name="consent" value="yes">Yes, you may contact me</button></form>`);
  });

  app.post<{ Params: { '*': string } }>('/consent/*', async (request, reply) => {
    const t = read(request.params['*']);
    const { rows } = await options.db.query<{ r: string }>('select app_private.record_consent($1, $2, $3) as r', [t.o, t.l, t.n]);
    if (rows[0].r === 'used') throw used();
    if (rows[0].r !== 'recorded') throw invalid();
    request.log.info({ org_id: t.o }, 'consent recorded');
    return htmlPage(reply, 200, 'Thank you', '<h1>Thank you.</h1><p>Your consent has been recorded.</p>');
  });
}

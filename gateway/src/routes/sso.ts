import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { z } from 'zod';
import type { Db } from '../db.ts';
import { ApiError } from '../errors.ts';
import { type PublicUrlPolicy, publicBase, publicUrlPolicyFromEnv } from '../public-url.ts';
import type { TokenIssuer } from '../jwt.ts';

interface SsoOptions {
  db: Db;
  tokens: TokenIssuer;
  encryptionKey: string;
  rateLimitPerMinute: number;
  /** The gateway's public base URL (callback = `${publicUrl}/auth/sso/callback`); else from the request. */
  publicUrl?: string;
  /** Where the redirect_uri may point when PUBLIC_URL is unset (gateway/src/public-url.ts). */
  publicUrlPolicy?: PublicUrlPolicy;
}

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  userinfo_endpoint?: string;
}

const b64url = (buf: Buffer) => buf.toString('base64url');
const ssoFailed = (message = 'Single sign-on did not complete; start again.') => new ApiError(401, 'sso_failed', message);

/**
 * OpenID Connect login (authorization code + PKCE S256, state and nonce), per org:
 *   GET /auth/sso/:org_id/start  → 302 to the org's identity provider
 *   GET /auth/sso/callback       → the same token pair as POST /auth/login
 * SQL keeps the provider configuration, the one-time states and the decision (allowed
 * domains, just-in-time membership); this file only speaks OIDC.
 */
export async function ssoRoutes(app: FastifyInstance, options: SsoOptions): Promise<void> {
  const rateLimit = { max: options.rateLimitPerMinute, timeWindow: '1 minute' };
  const discoveries = new Map<string, { at: number; doc: Discovery; jwks: ReturnType<typeof createRemoteJWKSet> }>();

  async function discover(issuer: string) {
    const cached = discoveries.get(issuer);
    if (cached && Date.now() - cached.at < 300_000) return cached;
    const res = await fetch(`${issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new ApiError(502, 'sso_provider_unavailable', 'The identity provider did not answer.');
    const doc = (await res.json()) as Discovery;
    if (doc.issuer.replace(/\/+$/, '') !== issuer) throw new ApiError(502, 'sso_provider_unavailable', 'The identity provider is misconfigured.');
    const entry = { at: Date.now(), doc, jwks: createRemoteJWKSet(new URL(doc.jwks_uri)) };
    discoveries.set(issuer, entry);
    return entry;
  }

  const policy = options.publicUrlPolicy ?? publicUrlPolicyFromEnv({ ...process.env, PUBLIC_URL: options.publicUrl });
  const callbackUrl = (request: FastifyRequest) => `${publicBase(request, policy)}/auth/sso/callback`;

  app.get('/auth/sso/:org_id/start', { config: { rateLimit } }, async (request, reply) => {
    const { org_id } = z.object({ org_id: z.string().uuid() }).parse(request.params);
    const state = b64url(randomBytes(32));
    const nonce = b64url(randomBytes(32));
    const verifier = b64url(randomBytes(48));
    const redirectUri = callbackUrl(request);
    const { rows } = await options.db.query<{ issuer: string; client_id: string }>(
      'select * from app_private.sso_begin($1, $2, $3, $4, $5)', [org_id, state, verifier, nonce, redirectUri]);
    if (!rows[0]) throw new ApiError(404, 'sso_not_configured', 'Single sign-on is not set up for this organization.');
    const { doc } = await discover(rows[0].issuer);
    const url = new URL(doc.authorization_endpoint);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: rows[0].client_id,
      redirect_uri: redirectUri,
      scope: 'openid email profile',
      state,
      nonce,
      code_challenge: b64url(createHash('sha256').update(verifier).digest()),
      code_challenge_method: 'S256',
    }).toString();
    return reply.redirect(url.toString(), 302);
  });

  app.get('/auth/sso/callback', { config: { rateLimit } }, async (request) => {
    const query = z.object({ state: z.string().min(1).max(200), code: z.string().min(1).max(4096).optional(), error: z.string().max(200).optional() })
      .parse(request.query);
    const { rows } = await options.db.query<{
      org_id: string; issuer: string; client_id: string; client_secret: string; code_verifier: string; nonce: string; redirect_uri: string;
    }>('select * from app_private.sso_take_state($1, $2)', [query.state, options.encryptionKey]);
    const pending = rows[0];
    if (!pending) throw ssoFailed('This sign-in link is invalid, expired or already used.');
    if (query.error || !query.code) throw ssoFailed('The identity provider did not sign you in.');

    const { doc, jwks } = await discover(pending.issuer);
    const tokenRes = await fetch(doc.token_endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(pending.client_id)}:${encodeURIComponent(pending.client_secret)}`).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: query.code,
        redirect_uri: pending.redirect_uri,
        code_verifier: pending.code_verifier,
      }),
      signal: AbortSignal.timeout(5000),
    });
    if (!tokenRes.ok) {
      request.log.warn({ status: tokenRes.status }, 'sso token exchange refused');
      throw ssoFailed();
    }
    const { id_token, access_token } = (await tokenRes.json()) as { id_token?: string; access_token?: string };
    if (!id_token) throw ssoFailed();
    let claims: { sub?: string; email?: string; email_verified?: boolean; nonce?: string };
    try {
      ({ payload: claims } = await jwtVerify(id_token, jwks, { issuer: doc.issuer, audience: pending.client_id }));
    } catch (err) {
      request.log.warn({ err: (err as Error).message }, 'sso id token rejected');
      throw ssoFailed();
    }
    if (claims.nonce !== pending.nonce || !claims.sub) throw ssoFailed();
    // Providers that follow the spec strictly put scope claims (email) only in userinfo.
    if (claims.email === undefined && doc.userinfo_endpoint && access_token) {
      const info = await fetch(doc.userinfo_endpoint, { headers: { authorization: `Bearer ${access_token}` }, signal: AbortSignal.timeout(5000) });
      if (!info.ok) throw ssoFailed();
      const extra = (await info.json()) as { sub?: string; email?: string; email_verified?: boolean };
      if (extra.sub !== claims.sub) throw ssoFailed();
      claims = { ...claims, email: extra.email, email_verified: extra.email_verified };
    }

    const login = await options.db.query<{
      status: string; user_id: string; org_id_out: string; org_role: 'owner' | 'admin' | 'member'; session_id: string; refresh_token: string;
    }>('select * from app_private.sso_login($1, $2, $3, $4, $5, $6, $7)', [
      pending.org_id, pending.issuer, claims.sub, claims.email ?? null, claims.email_verified === true,
      request.ip, typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'].slice(0, 500) : null,
    ]);
    const result = login.rows[0];
    switch (result?.status) {
      case 'ok':
        break;
      case 'domain_not_allowed':
        throw new ApiError(403, 'domain_not_allowed', 'Your email domain may not sign in to this organization.');
      case 'email_not_verified':
        throw new ApiError(403, 'email_not_verified', 'The identity provider has not verified your email address.');
      case 'email_in_use':
        throw new ApiError(409, 'email_in_use', 'An account with this email exists; ask an admin to add it to the organization first.');
      default:
        throw ssoFailed();
    }
    return {
      access_token: await options.tokens.sign({ sub: result.user_id, org_id: result.org_id_out, org_role: result.org_role, sid: result.session_id }),
      refresh_token: result.refresh_token,
      token_type: 'bearer',
      expires_in: options.tokens.ttlSeconds,
    };
  });
}

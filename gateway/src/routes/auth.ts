import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Db } from '../db.ts';
import { ApiError } from '../errors.ts';
import { type TokenIssuer, bearerClaims } from '../jwt.ts';

interface AuthOptions {
  db: Db;
  tokens: TokenIssuer;
  rateLimitPerMinute: number;
  /** Key that encrypts TOTP secrets at rest (pgp_sym_encrypt in SQL). */
  encryptionKey?: string;
}

// The same shape app_private.ensure_user accepts: no account can have anything else, so a
// malformed address is a malformed request (400), not a failed login to record.
const emailAddress = z.string().trim().min(3).max(320).regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'not an email address');

const loginBody = z.object({
  email: emailAddress,
  password: z.string().min(1).max(1024),
  totp_code: z.string().trim().max(32).optional(),
  org_id: z.string().uuid().optional(),
  device: z.string().trim().max(200).optional(),
});
const refreshBody = z.object({ refresh_token: z.string().min(1).max(256) });
const changePasswordBody = z.object({
  current_password: z.string().min(1).max(1024),
  new_password: z.string().min(1).max(1024),
});
const resetRequestBody = z.object({ email: emailAddress });
const resetBody = z.object({ token: z.string().min(1).max(256), new_password: z.string().min(1).max(1024) });

type Role = 'owner' | 'admin' | 'member';
interface SessionRow {
  status: string;
  user_id: string;
  org_id: string;
  org_role: Role;
  session_id: string;
}

const invalidCredentials = () => new ApiError(401, 'invalid_credentials', 'The email or password is not correct.');
const weakPassword = () => new ApiError(400, 'weak_password', 'The new password must be between 8 and 1024 characters.');

export async function authRoutes(app: FastifyInstance, options: AuthOptions): Promise<void> {
  const rateLimit = { max: options.rateLimitPerMinute, timeWindow: '1 minute' };
  const secretKey = options.encryptionKey ?? null;
  const userAgent = (ua: string | string[] | undefined) => (typeof ua === 'string' ? ua.slice(0, 500) : null);

  async function tokenPair(session: SessionRow, refreshToken: string) {
    const accessToken = await options.tokens.sign({
      sub: session.user_id,
      org_id: session.org_id,
      org_role: session.org_role,
      sid: session.session_id,
    });
    return {
      access_token: accessToken,
      refresh_token: refreshToken,
      token_type: 'bearer',
      expires_in: options.tokens.ttlSeconds,
    };
  }

  app.post('/auth/login', { config: { rateLimit } }, async (request) => {
    const body = loginBody.parse(request.body ?? {});
    const { rows } = await options.db.query<SessionRow & { refresh_token: string; retry_after: number | null }>(
      'select * from app_private.authenticate($1, $2, $3, $4, $5, $6, $7, $8)',
      [body.email, body.password, body.totp_code ?? null, body.org_id ?? null, request.ip,
        userAgent(request.headers['user-agent']), body.device ?? null, secretKey],
    );
    const result = rows[0];
    switch (result?.status) {
      case 'ok':
        return tokenPair(result, result.refresh_token);
      case 'locked':
        throw new ApiError(429, 'locked', 'Too many failed attempts; try again in 15 minutes.', {
          'retry-after': String(result.retry_after ?? 900),
        });
      case 'mfa_required':
        throw new ApiError(401, 'mfa_required', 'A valid authentication code (totp_code) is required.');
      default:
        throw invalidCredentials();
    }
  });

  app.post('/auth/refresh', { config: { rateLimit } }, async (request) => {
    const body = refreshBody.parse(request.body ?? {});
    const { rows } = await options.db.query<SessionRow & { new_refresh_token: string }>(
      'select * from app_private.refresh_session($1, $2, $3)',
      [body.refresh_token, request.ip, userAgent(request.headers['user-agent'])],
    );
    const result = rows[0];
    if (result?.status === 'ok') return tokenPair(result, result.new_refresh_token);
    if (result?.status === 'reused') {
      throw new ApiError(401, 'refresh_token_reused', 'This refresh token was already used; the session has been ended.');
    }
    throw new ApiError(401, 'invalid_refresh_token', 'The refresh token is not valid.');
  });

  app.post('/auth/logout', { config: { rateLimit } }, async (request, reply) => {
    const claims = await bearerClaims(options.tokens, request.headers.authorization);
    const { rows } = await options.db.query<{ ok: boolean }>('select app_private.logout($1) as ok', [claims.sid]);
    if (!rows[0]?.ok) throw new ApiError(401, 'unauthorized', 'The session has already ended.');
    return reply.code(204).send();
  });

  app.post('/auth/logout-all', { config: { rateLimit } }, async (request) => {
    const claims = await bearerClaims(options.tokens, request.headers.authorization);
    const { rows } = await options.db.query<{ ended: number | null }>('select app_private.logout_all($1) as ended', [claims.sid]);
    if (rows[0]?.ended == null) throw new ApiError(401, 'unauthorized', 'The session has already ended.');
    return { sessions_revoked: rows[0].ended };
  });

  app.post('/auth/password/change', { config: { rateLimit } }, async (request, reply) => {
    const claims = await bearerClaims(options.tokens, request.headers.authorization);
    const body = changePasswordBody.parse(request.body ?? {});
    const { rows } = await options.db.query<{ status: string }>(
      'select app_private.change_password($1, $2, $3) as status',
      [claims.sid, body.current_password, body.new_password],
    );
    switch (rows[0]?.status) {
      case 'ok':
        return reply.code(204).send();
      case 'weak_password':
        throw weakPassword();
      case 'invalid_credentials':
        throw new ApiError(401, 'invalid_credentials', 'The current password is not correct.');
      default:
        throw new ApiError(401, 'unauthorized', 'The session has already ended.');
    }
  });

  app.post('/auth/password/reset-request', { config: { rateLimit } }, async (request, reply) => {
    const body = resetRequestBody.parse(request.body ?? {});
    await options.db.query('select app_private.request_password_reset($1, $2)', [body.email, request.ip]);
    // The same answer whether or not the email has an account.
    return reply.code(202).send({ status: 'accepted' });
  });

  app.post('/auth/password/reset', { config: { rateLimit } }, async (request, reply) => {
    const body = resetBody.parse(request.body ?? {});
    const { rows } = await options.db.query<{ status: string }>(
      'select app_private.reset_password($1, $2) as status',
      [body.token, body.new_password],
    );
    if (rows[0]?.status === 'ok') return reply.code(204).send();
    if (rows[0]?.status === 'weak_password') throw weakPassword();
    throw new ApiError(400, 'invalid_token', 'The reset link is invalid, expired or already used.');
  });
}

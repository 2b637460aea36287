import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Db } from '../db.ts';
import { ApiError } from '../errors.ts';
import { type TokenIssuer, bearerClaims } from '../jwt.ts';

interface InvitationOptions {
  db: Db;
  tokens: TokenIssuer;
  rateLimitPerMinute: number;
}

const acceptBody = z.object({
  token: z.string().trim().regex(/^[0-9a-f]{64}$/, 'not an invitation token'),
  password: z.string().min(1).max(1024).optional(),
});

const invalid = () => new ApiError(400, 'invalid_invitation', 'The invitation link is unknown, used, withdrawn or expired.');

/**
 * POST /auth/invitations/accept {token, password?}: the link an admin's invitation sent.
 * With a Bearer token: the logged-in user (whose address must be the invited one) joins the
 * org. Without one: a new user is created for the invited address with `password`. Either
 * way the token works once; the client then logs in (with `org_id` to pick the org).
 */
export async function invitationRoutes(app: FastifyInstance, options: InvitationOptions): Promise<void> {
  const rateLimit = { max: options.rateLimitPerMinute, timeWindow: '1 minute' };

  app.post('/auth/invitations/accept', { config: { rateLimit } }, async (request) => {
    const body = acceptBody.parse(request.body ?? {});
    if (request.headers.authorization) {
      const claims = await bearerClaims(options.tokens, request.headers.authorization);
      const { rows } = await options.db.query<{ status: string; org_id: string; role: string }>(
        'select * from app_private.accept_invitation_for_session($1, $2)', [body.token, claims.sid]);
      switch (rows[0]?.status) {
        case 'ok':
          return { status: 'accepted', org_id: rows[0].org_id, role: rows[0].role, user_id: claims.sub };
        case 'wrong_user':
          throw new ApiError(403, 'wrong_user', 'This invitation is for another address: log in as the invited address.');
        case 'session_ended':
          throw new ApiError(401, 'unauthorized', 'The session has already ended.');
        default:
          throw invalid();
      }
    }
    if (!body.password) throw new ApiError(400, 'invalid_payload', 'password: required to accept without logging in');
    const { rows } = await options.db.query<{ status: string; org_id: string; user_id: string; email: string }>(
      'select * from app_private.accept_invitation_with_password($1, $2)', [body.token, body.password]);
    switch (rows[0]?.status) {
      case 'ok':
        return { status: 'accepted', org_id: rows[0].org_id, user_id: rows[0].user_id, email: rows[0].email };
      case 'weak_password':
        throw new ApiError(400, 'weak_password', 'The password must be 8 to 1024 characters.');
      case 'login_required':
        throw new ApiError(409, 'login_required', 'This address already has an account: log in, then accept the invitation.');
      default:
        throw invalid();
    }
  });
}

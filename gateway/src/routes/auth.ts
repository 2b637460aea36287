import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Db } from '../db.ts';
import { ApiError } from '../errors.ts';
import type { TokenIssuer } from '../jwt.ts';

interface AuthOptions {
  db: Db;
  tokens: TokenIssuer;
  rateLimitPerMinute: number;
}

const loginBody = z.object({
  email: z.string().trim().min(3).max(320),
  password: z.string().min(1).max(1024),
  totp_code: z.string().max(16).optional(),
  org_id: z.string().uuid().optional(),
});

interface LoginRow {
  user_id: string;
  org_id: string;
  org_role: 'owner' | 'admin' | 'member';
  session_id: string;
  refresh_token: string;
}

const invalidCredentials = () => new ApiError(401, 'invalid_credentials', 'The email or password is not correct.');

export async function authRoutes(app: FastifyInstance, options: AuthOptions): Promise<void> {
  const rateLimit = { max: options.rateLimitPerMinute, timeWindow: '1 minute' };

  app.post('/auth/login', { config: { rateLimit } }, async (request) => {
    const body = loginBody.parse(request.body ?? {});
    const { rows } = await options.db.query<LoginRow>(
      'select * from app_private.login($1, $2, $3, $4, $5)',
      [body.email, body.password, body.org_id ?? null, request.ip, request.headers['user-agent'] ?? null],
    );
    const session = rows[0];
    if (!session) throw invalidCredentials();
    const accessToken = await options.tokens.sign({
      sub: session.user_id,
      org_id: session.org_id,
      org_role: session.org_role,
      sid: session.session_id,
    });
    return {
      access_token: accessToken,
      refresh_token: session.refresh_token,
      token_type: 'bearer',
      expires_in: options.tokens.ttlSeconds,
    };
  });
}

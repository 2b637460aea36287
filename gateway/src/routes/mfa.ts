import type { FastifyInstance } from 'fastify';
import * as OTPAuth from 'otpauth';
import QRCode from 'qrcode';
import { z } from 'zod';
import type { Db } from '../db.ts';
import { ApiError } from '../errors.ts';
import { type TokenIssuer, bearerClaims } from '../jwt.ts';

interface MfaOptions {
  db: Db;
  tokens: TokenIssuer;
  encryptionKey: string;
  rateLimitPerMinute: number;
  issuer?: string;
}

const codeBody = z.object({ code: z.string().trim().min(6).max(32) });

const sessionEnded = () => new ApiError(401, 'unauthorized', 'The session has already ended.');

/**
 * TOTP (RFC 6238) enrollment: /enroll stores a fresh secret (encrypted in SQL) and returns
 * the otpauth URL and its QR code; /verify with a code from the app turns MFA on and
 * returns 10 single-use recovery codes; /disable turns it off with a current code.
 * Sessions of an org that requires MFA may use these routes before enrolling.
 */
export async function mfaRoutes(app: FastifyInstance, options: MfaOptions): Promise<void> {
  const rateLimit = { max: options.rateLimitPerMinute, timeWindow: '1 minute' };
  const issuer = options.issuer ?? 'Switchboard';

  app.post('/auth/mfa/enroll', { config: { rateLimit } }, async (request) => {
    const claims = await bearerClaims(options.tokens, request.headers.authorization);
    const secret = new OTPAuth.Secret({ size: 20 });
    const { rows } = await options.db.query<{ status: string; email: string }>(
      'select * from app_private.mfa_begin_enrollment($1, $2, $3)',
      [claims.sid, Buffer.from(secret.bytes), options.encryptionKey],
    );
    const result = rows[0];
    if (result?.status === 'already_enabled') {
      throw new ApiError(409, 'mfa_already_enabled', 'Multi-factor authentication is already enabled.');
    }
    if (result?.status !== 'ok') throw sessionEnded();
    const totp = new OTPAuth.TOTP({ issuer, label: result.email, algorithm: 'SHA1', digits: 6, period: 30, secret });
    const otpauthUrl = totp.toString();
    return {
      otpauth_url: otpauthUrl,
      secret: secret.base32,
      qr_svg: await QRCode.toString(otpauthUrl, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 }),
    };
  });

  app.post('/auth/mfa/verify', { config: { rateLimit } }, async (request) => {
    const claims = await bearerClaims(options.tokens, request.headers.authorization);
    const body = codeBody.parse(request.body ?? {});
    const { rows } = await options.db.query<{ status: string; recovery_codes: string[] }>(
      'select * from app_private.mfa_enable($1, $2, $3)',
      [claims.sid, body.code, options.encryptionKey],
    );
    switch (rows[0]?.status) {
      case 'ok':
        return { enabled: true, recovery_codes: rows[0].recovery_codes };
      case 'invalid_code':
        throw new ApiError(400, 'invalid_code', 'The code is not valid; use the current code from the authenticator app.');
      case 'not_enrolled':
        throw new ApiError(400, 'not_enrolled', 'Start with POST /auth/mfa/enroll.');
      case 'already_enabled':
        throw new ApiError(409, 'mfa_already_enabled', 'Multi-factor authentication is already enabled.');
      default:
        throw sessionEnded();
    }
  });

  app.post('/auth/mfa/disable', { config: { rateLimit } }, async (request, reply) => {
    const claims = await bearerClaims(options.tokens, request.headers.authorization);
    const body = codeBody.parse(request.body ?? {});
    const { rows } = await options.db.query<{ status: string }>(
      'select app_private.mfa_disable($1, $2, $3) as status',
      [claims.sid, body.code, options.encryptionKey],
    );
    switch (rows[0]?.status) {
      case 'ok':
        return reply.code(204).send();
      case 'invalid_code':
        throw new ApiError(400, 'invalid_code', 'The code is not valid.');
      case 'not_enabled':
        throw new ApiError(400, 'not_enabled', 'Multi-factor authentication is not enabled.');
      case 'required_by_org':
        throw new ApiError(403, 'mfa_required_by_org', 'Your organization requires multi-factor authentication.');
      default:
        throw sessionEnded();
    }
  });
}

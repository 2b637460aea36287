import { SignJWT, jwtVerify } from 'jose';
import { ApiError } from './errors.ts';

export interface AccessClaims {
  sub: string;
  org_id: string;
  org_role: 'owner' | 'admin' | 'member';
  sid: string;
}

/** HS256 tokens PostgREST accepts: role `authenticated` plus the claims of DESIGN.md. */
export class TokenIssuer {
  private readonly key: Uint8Array;
  constructor(secret: string, readonly ttlSeconds: number) {
    this.key = new TextEncoder().encode(secret);
  }

  sign(claims: AccessClaims): Promise<string> {
    return new SignJWT({ role: 'authenticated', ...claims })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.key);
  }

  async verify(token: string): Promise<AccessClaims & { role: string }> {
    const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'] });
    return payload as unknown as AccessClaims & { role: string };
  }
}

/**
 * The verified claims of the request's `Authorization: Bearer` token, or a 401. Whether
 * the session is still live is decided by the SQL function each route calls next.
 */
export async function bearerClaims(
  tokens: TokenIssuer,
  authorization: string | undefined,
): Promise<AccessClaims & { role: string }> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!match) throw new ApiError(401, 'unauthorized', 'A bearer access token is required.', { 'www-authenticate': 'Bearer' });
  try {
    const claims = await tokens.verify(match[1]);
    if (claims.role !== 'authenticated' || typeof claims.sid !== 'string') throw new Error('not a session token');
    return claims;
  } catch {
    throw new ApiError(401, 'unauthorized', 'The access token is not valid.', { 'www-authenticate': 'Bearer error="invalid_token"' });
  }
}

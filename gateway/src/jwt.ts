import { SignJWT, jwtVerify } from 'jose';

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

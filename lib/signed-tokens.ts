import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed link tokens (unsubscribe, consent, tracking): base64url(JSON payload) "."
 * base64url(HMAC-SHA256(payload part)) under a key derived from ENCRYPTION_KEY per purpose.
 * Verification is constant-time; anything malformed is simply "no token". Shared by the
 * gateway (which verifies) and the worker (which mints the links it puts in emails).
 */
function purposeKey(encryptionKey: string, purpose: string): Buffer {
  return createHmac('sha256', encryptionKey).update(`switchboard:${purpose}`).digest();
}

export function signToken(encryptionKey: string, purpose: string, payload: Record<string, unknown>): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const mac = createHmac('sha256', purposeKey(encryptionKey, purpose)).update(body).digest('base64url');
  return `${body}.${mac}`;
}

export function verifyToken<T>(encryptionKey: string, purpose: string, token: string): T | null {
  const [body, mac, extra] = token.split('.');
  if (!body || !mac || extra !== undefined || token.length > 4096) return null;
  const expected = createHmac('sha256', purposeKey(encryptionKey, purpose)).update(body).digest();
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as T;
  } catch {
    return null;
  }
}

/** The token for an unsubscribe link (List-Unsubscribe) of one address in one org. */
export const unsubscribeToken = (encryptionKey: string, orgId: string, email: string) =>
  signToken(encryptionKey, 'unsubscribe', { o: orgId, e: email.trim().toLowerCase() });

/** Open pixel: one sent email. */
export const openToken = (encryptionKey: string, orgId: string, emailId: string) =>
  signToken(encryptionKey, 'track-open', { o: orgId, m: emailId });

/** Click redirect: one sent email and the one URL it may redirect to. */
export const clickToken = (encryptionKey: string, orgId: string, emailId: string, url: string) =>
  signToken(encryptionKey, 'track-click', { o: orgId, m: emailId, u: url });

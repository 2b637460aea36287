import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Signature timestamps may be this far in the past or future. */
export const TOLERANCE_SECONDS = 300;

export type HmacAlgorithm = 'sha256' | 'sha512' | 'sha1';

export function hmac(key: string | Buffer, content: string | Buffer, encoding: 'hex' | 'base64', algorithm: HmacAlgorithm = 'sha256'): string {
  return createHmac(algorithm, key).update(content).digest(encoding);
}

export function sha256Hex(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** Constant-time comparison that does not leak the length of the expected value. */
export function safeEqual(actual: string, expected: string): boolean {
  const a = Buffer.from(actual);
  const b = Buffer.from(expected);
  if (a.length !== b.length) {
    timingSafeEqual(b, b);
    return false;
  }
  return timingSafeEqual(a, b);
}

/** True when `given` equals any of the secrets; every secret is compared, so timing tells nothing. */
export function matchesAnySecret(given: string | undefined, secrets: string[]): boolean {
  if (given === undefined) return false;
  let ok = false;
  for (const secret of secrets) ok = safeEqual(given, secret) || ok;
  return ok;
}

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Unix seconds within tolerance of now (both directions). */
export function freshUnixTimestamp(value: string | undefined, nowMs: number): boolean {
  if (!value || !/^\d{1,12}$/.test(value)) return false;
  return Math.abs(nowMs / 1000 - Number(value)) <= TOLERANCE_SECONDS;
}

/** Unix seconds or milliseconds (told apart by size) within tolerance of now. */
export function freshSecondsOrMillis(value: string | undefined, nowMs: number): boolean {
  if (!value || !/^\d{1,15}$/.test(value)) return false;
  const seconds = value.length > 11 ? Number(value) / 1000 : Number(value);
  return Math.abs(nowMs / 1000 - seconds) <= TOLERANCE_SECONDS;
}

/** Hex HMAC-SHA256 of `content` under any of the secrets (their UTF-8 bytes). */
export function matchesHexHmac(signature: string | undefined, secrets: string[], content: string | Buffer): boolean {
  if (!signature) return false;
  const given = signature.trim().toLowerCase();
  let ok = false;
  for (const secret of secrets) ok = safeEqual(given, hmac(secret, content, 'hex')) || ok;
  return ok;
}

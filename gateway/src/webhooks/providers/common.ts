import { z } from 'zod/v4';

/** Provider ids arrive as strings or numbers; we keep them as text. */
export const externalId = z.union([z.string().trim().min(1).max(200), z.number().int()]).transform(String);

/**
 * An address a platform sends: any local@domain without whitespace or control characters
 * (a quoted local part may hold spaces), at most 320 characters. Platforms have accepted it
 * already; refusing it with a 400 would tell them not to retry, and the event would be lost.
 * The same rule is the contacts table's check (app_private.is_platform_email).
 */
const PLATFORM_EMAIL = /^("[^"]+"|[^@\s"]+)@[^@\s"]+$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
export const email = z
  .string()
  .trim()
  .max(320)
  .refine((value) => PLATFORM_EMAIL.test(value) && !CONTROL.test(value), { message: 'not an address of the form local@domain' });

/** An optional address: absent, null and "" all mean none. */
export const optionalEmail = z.preprocess((value) => (value === '' || value === null ? undefined : value), email.optional());

function toIso(value: string | number): string | null {
  // Numbers are unix seconds, or milliseconds when too large to be seconds.
  const date = typeof value === 'number' ? new Date(value > 1e11 ? value : value * 1000) : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** An ISO 8601 / RFC 3339 date-time, or unix seconds; normalised to ISO. */
export const timestamp = z.union([z.string().max(64), z.number()]).transform((value, ctx) => {
  const iso = toIso(value);
  if (iso === null) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'not a valid timestamp' });
    return z.NEVER;
  }
  return iso;
});

/** A platform's own timestamp: normalised when it can be read, else null (never a reason to refuse). */
export const lenientTimestamp = z
  .unknown()
  .transform((value) => (typeof value === 'string' || typeof value === 'number' ? toIso(value) : null));

export const eventName = z.string().trim().min(1).max(100);
export const campaignName = z.string().trim().min(1).max(300);
export const category = z.string().trim().max(100).nullish();

/** A secret a platform puts in its body (SmartLead's secret_key) is masked before the body is stored. */
export function maskSecretKey(json: unknown): unknown {
  if (json && typeof json === 'object' && !Array.isArray(json) && 'secret_key' in json) {
    return { ...(json as Record<string, unknown>), secret_key: '[masked]' };
  }
  return json;
}

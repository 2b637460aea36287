import { z } from 'zod/v4';
import type { SignedRequest, WebhookProvider } from '../provider.ts';
import { header, hmac, safeEqual } from '../signatures.ts';

/**
 * Twilio: status callbacks of the SMS we send and inbound SMS, both
 * `application/x-www-form-urlencoded`, posted to /webhooks/twilio/{source_id}. The source's
 * secret is the account's auth token (`source create --provider twilio --secret <token>`).
 *
 * X-Twilio-Signature = base64(HMAC-SHA1(auth token, full URL + every POST parameter sorted
 * by name, name and value concatenated)). The URL is the one Twilio requested: PUBLIC_URL +
 * path when the gateway sits behind a proxy, else scheme://host + path; Twilio's own
 * validators also accept it with the default port added or removed, so do we.
 */

export type FormParams = Array<[string, string]>;

/** The form body's parameters in order (repeated names kept). */
export function parseForm(raw: Buffer | string): FormParams {
  return [...new URLSearchParams(typeof raw === 'string' ? raw : raw.toString('utf8')).entries()];
}

/** Twilio's signed content: the URL, then each parameter (sorted by name, then value) as name + value. */
export function twilioSignedContent(url: string, params: FormParams | Record<string, string>): string {
  const pairs = Array.isArray(params) ? [...params] : Object.entries(params);
  pairs.sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return url + pairs.map(([k, v]) => k + v).join('');
}

export function twilioSignature(authToken: string, url: string, params: FormParams | Record<string, string>): string {
  return hmac(authToken, twilioSignedContent(url, params), 'base64', 'sha1');
}

/** The URL as given, and with the scheme's default port added or removed. */
export function urlVariants(url: string): string[] {
  const m = /^(https?:\/\/(?:[^@/?#]*@)?)([^/:?#]+)(?::(\d+))?(.*)$/i.exec(url);
  if (!m) return [url];
  const defaultPort = m[1].toLowerCase().startsWith('https') ? '443' : '80';
  if (!m[3]) return [url, `${m[1]}${m[2]}:${defaultPort}${m[4]}`];
  if (m[3] === defaultPort) return [url, `${m[1]}${m[2]}${m[4]}`];
  return [url];
}

export function validTwilioSignature(signature: string | undefined, authTokens: string[], url: string, params: FormParams | Record<string, string>): boolean {
  if (!signature || signature.length > 200) return false;
  let ok = false;
  for (const token of authTokens) {
    for (const candidate of urlVariants(url)) ok = safeEqual(signature.trim(), twilioSignature(token, candidate, params)) || ok;
  }
  return ok;
}

const sid = z.string().trim().regex(/^[A-Z]{2}[0-9a-fA-F]{32}$/, 'a Twilio SID');
const schema = z
  .object({
    MessageSid: sid.optional(),
    SmsSid: sid.optional(),
    AccountSid: sid,
    MessageStatus: z.string().max(40).optional(),
    SmsStatus: z.string().max(40).optional(),
    From: z.string().max(100).optional(),
    To: z.string().max(100).optional(),
    Body: z.string().max(1600).optional(),
    ErrorCode: z.string().max(10).optional(),
  })
  .passthrough()
  .refine((p) => p.MessageSid ?? p.SmsSid, { message: 'MessageSid is required' });

type TwilioPayload = z.infer<typeof schema>;

export const twilio: WebhookProvider<TwilioPayload> = {
  name: 'twilio',
  contentType: /^application\/x-www-form-urlencoded\s*(;|$)/i,
  parseBody: (raw) => Object.fromEntries(parseForm(raw)),
  verify: (req: SignedRequest, { secrets }) =>
    validTwilioSignature(header(req.headers, 'x-twilio-signature'), secrets, req.url, parseForm(req.rawBody)),
  schema,
  inboxFields: (p) => {
    const messageSid = (p.MessageSid ?? p.SmsSid) as string;
    const inbound = p.Body !== undefined;
    const status = (p.MessageStatus ?? p.SmsStatus ?? '').toLowerCase();
    return {
      // Each status of a message once; an inbound message once.
      dedupeKey: inbound ? `in:${messageSid}` : `status:${messageSid}:${status}:${p.ErrorCode ?? ''}`,
      partitionKey: inbound ? (p.From ?? messageSid) : messageSid,
      eventType: inbound ? 'message.inbound' : `message.${status || 'status'}`,
      occurredAt: null,
    };
  },
  // Twilio expects TwiML (an empty <Response/> sends nothing back).
  acknowledge: { contentType: 'text/xml', body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>' },
};

import { z } from 'zod/v4';
import type { SignedRequest, WebhookProvider } from '../provider.ts';
import { header, matchesAnySecret, matchesHexHmac, sha256Hex } from '../signatures.ts';
import { eventName, externalId, lenientTimestamp, maskSecretKey, optionalEmail } from './common.ts';

/**
 * SmartLead's flat payloads (help.smartlead.ai "Webhook Guide"; fixtures in
 * gateway/test/fixtures/providers/smartlead). Only event_type is always there; the lead's
 * address moves with the event type (app_private.outreach_fields reads it), so each place
 * is only checked to be an address when present.
 */
const schema = z
  .object({
    event_type: eventName,
    campaign_id: z.preprocess((v) => (v === '' || v === null ? undefined : v), externalId.optional()),
    stats_id: z.union([z.string(), z.number()]).nullish(),
    sl_email_lead_map_id: z.union([z.string(), z.number()]).nullish(),
    message_id: z.string().max(998).nullish(),
    event_timestamp: lenientTimestamp,
    to_email: optionalEmail,
    from_email: optionalEmail,
    sl_lead_email: optionalEmail,
    lead_email: optionalEmail,
    lead_data: z.object({ email: optionalEmail }).passthrough().nullish(),
    sender_detail: z.string().max(1000).nullish(),
    secret_key: z.unknown().optional(),
  })
  .passthrough();

type SmartleadPayload = z.infer<typeof schema>;

/** The address in "Name <address>" (how an untracked reply names its sender). */
function addressOf(mailbox: string | null | undefined): string | undefined {
  if (!mailbox) return undefined;
  return /<([^<>]+)>\s*$/.exec(mailbox)?.[1] ?? (mailbox.trim() || undefined);
}

/** The lead's address, as app_private.outreach_fields picks it (used here only to order a contact's events). */
function leadAddress(p: SmartleadPayload): string | undefined {
  switch (p.event_type) {
    case 'EMAIL_REPLY':
      return p.sl_lead_email ?? (p.to_email !== p.from_email ? p.to_email : undefined);
    case 'LEAD_UNSUBSCRIBED':
      return p.lead_email ?? p.to_email;
    case 'LEAD_CATEGORY_UPDATED':
      return p.lead_data?.email ?? p.lead_email ?? p.to_email;
    case 'UNTRACKED_REPLIES':
      return p.sl_lead_email ?? p.lead_email ?? p.lead_data?.email ?? addressOf(p.sender_detail) ?? p.from_email;
    default:
      return p.to_email ?? p.lead_email ?? p.sl_lead_email;
  }
}

/**
 * SmartLead retries up to 3 times. One email event is event_type + stats_id (else the lead
 * map id) + event_timestamp + message_id; FIRST_EMAIL_SENT is the same send as its
 * EMAIL_SENT, so it shares that key and never counts twice. Without ids, the body is the key
 * (with secret_key masked, so no stored key derives from a secret).
 */
function dedupeKey(p: SmartleadPayload, request: SignedRequest): string {
  const id = p.stats_id ?? p.sl_email_lead_map_id;
  if (id === undefined || id === null || id === '') return `body:${sha256Hex(JSON.stringify(maskSecretKey(request.json)))}`;
  const type = p.event_type === 'FIRST_EMAIL_SENT' ? 'EMAIL_SENT' : p.event_type;
  const parts = [type, String(id), p.event_timestamp ?? '', p.message_id ?? ''];
  const key = parts.join('|');
  return key.length <= 400 ? key : `sha256:${sha256Hex(key)}`;
}

/**
 * SmartLead does not sign: the body's `secret_key` is the webhook's secret. One help page
 * mentions `X-Smartlead-Signature: [sha256=]<hex HMAC of the raw body>`, accepted as well.
 */
export const smartlead: WebhookProvider<SmartleadPayload> = {
  name: 'smartlead',
  verify: (req, { secrets }) => {
    const body = req.json as { secret_key?: unknown } | undefined;
    const bodySecret = typeof body?.secret_key === 'string' ? body.secret_key : undefined;
    const signature = header(req.headers, 'x-smartlead-signature')?.trim().replace(/^sha256=/i, '');
    const bySecret = matchesAnySecret(bodySecret, secrets);
    const bySignature = matchesHexHmac(signature, secrets, req.rawBody);
    return bySecret || bySignature;
  },
  schema,
  inboxFields: (payload, req) => ({
    dedupeKey: dedupeKey(payload, req),
    partitionKey: leadAddress(payload)?.toLowerCase() ?? payload.campaign_id,
    eventType: payload.event_type,
    occurredAt: payload.event_timestamp,
  }),
};

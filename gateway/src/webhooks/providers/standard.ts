import { z } from 'zod/v4';
import type { SignedRequest, SourceCredentials, WebhookProvider } from '../provider.ts';
import { freshUnixTimestamp, hmac, header, safeEqual, sha256Hex } from '../signatures.ts';
import { campaignName, category, email, eventName, externalId, timestamp } from './common.ts';

const schema = z
  .object({
    type: eventName,
    timestamp,
    // A report about an email Switchboard sent may name it by data.message_id instead of a campaign.
    data: z
      .object({ campaign_id: externalId.optional(), campaign_name: campaignName.optional(), email, category,
                message_id: z.string().trim().min(3).max(998).optional() })
      .passthrough()
      .refine((d) => (d.campaign_id !== undefined && d.campaign_name !== undefined) || d.message_id !== undefined, {
        message: 'campaign_id and campaign_name, or message_id, are required',
      }),
  })
  .passthrough();

/** The key is the base64 part after `whsec_`. */
function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
}

/**
 * Standard Webhooks v1: HMAC-SHA256 over "{id}.{timestamp}.{body}", base64, in a
 * space-separated list of "v1,<sig>" (any match passes); timestamp within 300 s.
 */
function verify(req: SignedRequest, { secrets }: SourceCredentials): boolean {
  const id = header(req.headers, 'webhook-id');
  const ts = header(req.headers, 'webhook-timestamp');
  const list = header(req.headers, 'webhook-signature');
  if (!id || !list || !freshUnixTimestamp(ts, req.nowMs)) return false;
  const content = Buffer.concat([Buffer.from(`${id}.${ts}.`), req.rawBody]);
  const expected = secrets.map((secret) => hmac(keyOf(secret), content, 'base64'));
  let ok = false;
  for (const entry of list.split(' ')) {
    const [version, signature] = entry.split(',', 2);
    if (version !== 'v1' || !signature) continue;
    for (const candidate of expected) ok = safeEqual(signature, candidate) || ok;
  }
  return ok;
}

export const standard: WebhookProvider<z.infer<typeof schema>> = {
  name: 'standard',
  verify,
  schema,
  inboxFields: (payload, req) => ({
    // Sent with the secret in the URL, a message may come without webhook-id: its body is the key.
    dedupeKey: header(req.headers, 'webhook-id') ?? `body:${sha256Hex(req.rawBody)}`,
    partitionKey: payload.data.email.toLowerCase(),
    eventType: payload.type,
    occurredAt: payload.timestamp,
  }),
};

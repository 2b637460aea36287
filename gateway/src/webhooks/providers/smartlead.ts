import { z } from 'zod';
import type { WebhookProvider } from '../provider.ts';
import { header, matchesHexHmac, sha256Hex } from '../signatures.ts';
import { campaignName, category, email, eventName, externalId, timestamp } from './common.ts';

const schema = z
  .object({
    event_type: eventName,
    campaign_id: externalId,
    campaign_name: campaignName,
    to_email: email,
    event_timestamp: timestamp,
    lead_category: z.union([category, z.object({ new_name: z.string().max(100) }).passthrough()]).optional(),
  })
  .passthrough();

/** SmartLead: hex HMAC of the raw body; the body's SHA-256 is the dedupe key. */
export const smartlead: WebhookProvider<z.infer<typeof schema>> = {
  name: 'smartlead',
  verify: (req, secrets) => matchesHexHmac(header(req.headers, 'x-smartlead-signature'), secrets, req.rawBody),
  schema,
  inboxFields: (payload, req) => ({
    dedupeKey: sha256Hex(req.rawBody),
    partitionKey: payload.to_email.toLowerCase(),
    eventType: payload.event_type,
    occurredAt: payload.event_timestamp,
  }),
};

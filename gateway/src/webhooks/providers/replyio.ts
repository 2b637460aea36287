import { z } from 'zod';
import type { WebhookProvider } from '../provider.ts';
import { header, matchesHexHmac } from '../signatures.ts';
import { campaignName, category, email, eventName, externalId, timestamp } from './common.ts';

const schema = z
  .object({
    event: z.object({ id: externalId, type: eventName, timestamp }).passthrough(),
    payload: z
      .object({
        contact: z.object({ email }).passthrough(),
        sequence: z.object({ id: externalId, name: campaignName }).passthrough(),
        category,
      })
      .passthrough(),
  })
  .passthrough();

/** Reply.io: hex HMAC of the raw body; event.id is the dedupe key. */
export const replyio: WebhookProvider<z.infer<typeof schema>> = {
  name: 'replyio',
  verify: (req, secrets) => matchesHexHmac(header(req.headers, 'x-replyio-signature'), secrets, req.rawBody),
  schema,
  inboxFields: (payload) => ({
    dedupeKey: payload.event.id,
    partitionKey: payload.payload.contact.email.toLowerCase(),
    eventType: payload.event.type,
    occurredAt: payload.event.timestamp,
  }),
};

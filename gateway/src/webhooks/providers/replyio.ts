import { z } from 'zod/v4';
import type { WebhookProvider } from '../provider.ts';
import { eventName, externalId, lenientTimestamp, optionalEmail } from './common.ts';

/**
 * Reply.io's two documented shapes (fixtures in gateway/test/fixtures/providers/replyio):
 *   A, as delivered live: {event:{id,type,date,…}, contact_fields:{email,…}, sequence_fields:{id,name?}, …}
 *   B, the event log's:   {event:{id,type,timestamp}, payload:{contact:{email}, sequence:{id}, data:{…}}}
 * app_private.outreach_fields reads both; here only what the inbox needs.
 */
const schema = z
  .object({
    event: z.object({ id: externalId, type: eventName, date: lenientTimestamp, timestamp: lenientTimestamp }).passthrough(),
    contact_fields: z.object({ email: optionalEmail }).passthrough().nullish(),
    payload: z.object({ contact: z.object({ email: optionalEmail }).passthrough().nullish() }).passthrough().nullish(),
  })
  .passthrough();

/**
 * Reply.io subscriptions take no secret and sign nothing: its sources authenticate with the
 * secret in the URL only (the route checks it). event.id is the dedupe key.
 */
export const replyio: WebhookProvider<z.infer<typeof schema>> = {
  name: 'replyio',
  verify: () => false,
  schema,
  inboxFields: (p) => ({
    dedupeKey: p.event.id,
    partitionKey: (p.payload?.contact?.email ?? p.contact_fields?.email)?.toLowerCase(),
    eventType: p.event.type,
    occurredAt: p.event.date ?? p.event.timestamp,
  }),
};

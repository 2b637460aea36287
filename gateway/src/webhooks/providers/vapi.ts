import { z } from 'zod';
import { ApiError } from '../../errors.ts';
import type { WebhookProvider } from '../provider.ts';
import { freshUnixTimestamp, header, matchesHexHmac } from '../signatures.ts';

const schema = z
  .object({
    message: z
      .object({
        type: z.string().trim().min(1).max(100),
        call: z.object({ id: z.string().trim().min(1).max(200) }).passthrough(),
        timestamp: z.union([z.number(), z.string().max(64)]).optional(),
      })
      .passthrough(),
  })
  .passthrough();

type VapiPayload = z.infer<typeof schema>;

function occurredAt(payload: VapiPayload): string | null {
  const ts = payload.message.timestamp;
  if (ts === undefined) return null;
  // Vapi sends epoch milliseconds.
  const date = typeof ts === 'number' ? new Date(ts > 1e12 ? ts : ts * 1000) : new Date(ts);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/**
 * Vapi server messages: `x-timestamp` (unix seconds, ±300 s) and `x-signature`, the hex
 * HMAC of "{x-timestamp}.{raw body}". tool-calls are answered within the request through
 * app_private.vapi_tool_calls (the same booking function as the REST RPC); every other
 * message goes to the inbox and the process_call_events task.
 */
export const vapi: WebhookProvider<VapiPayload> = {
  name: 'vapi',
  verify: (req, secrets) => {
    const timestamp = header(req.headers, 'x-timestamp');
    if (!freshUnixTimestamp(timestamp, req.nowMs)) return false;
    return matchesHexHmac(header(req.headers, 'x-signature'), secrets, Buffer.concat([Buffer.from(`${timestamp}.`), req.rawBody]));
  },
  schema,
  inboxFields: (payload, req) => ({
    dedupeKey: `${payload.message.call.id}:${payload.message.type}:${header(req.headers, 'x-timestamp')}`,
    partitionKey: payload.message.call.id,
    eventType: payload.message.type,
    occurredAt: occurredAt(payload),
  }),
  respondNow: async (payload, { db, orgId }) => {
    if (payload.message.type !== 'tool-calls') return undefined;
    try {
      const { rows } = await db.query<{ answer: unknown }>('select app_private.vapi_tool_calls($1, $2::jsonb) as answer', [
        orgId,
        JSON.stringify(payload.message),
      ]);
      return { status: 200, body: rows[0].answer };
    } catch {
      throw new ApiError(503, 'unavailable', 'The tool call could not be answered; retry later.', { 'retry-after': '1' });
    }
  },
};

import { z } from 'zod/v4';
import type { SignedRequest, SourceCredentials, WebhookProvider } from '../provider.ts';
import { type HmacAlgorithm, freshSecondsOrMillis, header, hmac, matchesAnySecret, safeEqual, sha256Hex } from '../signatures.ts';

/**
 * Vapi server messages: {"message":{"type", "call":{"id",…}, …}} (fixtures in
 * gateway/test/fixtures/providers/vapi). Only the type is required: a message Vapi waits on
 * must always get its answer, and a stored one is never refused over a field Vapi may omit.
 */
const schema = z
  .object({
    message: z
      .object({
        type: z.string().trim().min(1).max(100),
        call: z.object({ id: z.string().trim().min(1).max(200).optional() }).passthrough().nullish(),
        status: z.string().max(100).optional(),
        timestamp: z.union([z.number(), z.string().max(64)]).optional(),
      })
      .passthrough(),
  })
  .passthrough();

type VapiPayload = z.infer<typeof schema>;

/** Answered within the request (Vapi waits on them); every other message is stored. */
const ANSWERED_NOW = new Set(['tool-calls', 'assistant-request', 'transfer-destination-request']);

/** What each answered message says when the database cannot be reached: Vapi reads only 200s. */
function unavailableAnswer(payload: VapiPayload): unknown {
  const error = 'The booking system is briefly unavailable. Please try again in a moment.';
  if (payload.message.type !== 'tool-calls') return { error };
  const list = (payload.message as { toolCallList?: { id?: string; function?: { name?: string } }[] }).toolCallList ?? [];
  return { results: list.map((call) => ({ toolCallId: call.id, name: call.function?.name, error })) };
}

function occurredAt(payload: VapiPayload): string | null {
  const ts = payload.message.timestamp;
  if (ts === undefined) return null;
  // Vapi sends epoch milliseconds.
  const date = typeof ts === 'number' ? new Date(ts > 1e11 ? ts : ts * 1000) : new Date(ts);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/**
 * One event per call and type (and status, for status updates): a re-sent report is a
 * duplicate whatever its headers. Other types recur within a call and add their timestamp.
 * A message without a call is keyed by its body.
 */
function dedupeKey(payload: VapiPayload, req: SignedRequest): string {
  const { type, call, status, timestamp } = payload.message;
  if (!call?.id) return `body:${sha256Hex(req.rawBody)}`;
  if (type === 'status-update') return `${call.id}:${type}:${status ?? ''}`;
  if (type === 'end-of-call-report') return `${call.id}:${type}`;
  return `${call.id}:${type}:${timestamp ?? sha256Hex(req.rawBody)}`;
}

interface HmacOptions {
  algorithm: HmacAlgorithm;
  signature_header: string;
  timestamp_header: string | null;
  payload_format: string;
  encoding: 'hex' | 'base64';
  prefix: string;
  secret_base64: boolean;
}

/** Vapi's HMAC credential: the options are the source's (sources.auth, Vapi's defaults filled in). */
function verifyHmac(req: SignedRequest, secrets: string[], o: HmacOptions): boolean {
  const signature = header(req.headers, o.signature_header)?.trim();
  if (!signature) return false;
  const timestamp = o.timestamp_header ? header(req.headers, o.timestamp_header)?.trim() : undefined;
  if (o.timestamp_header && !freshSecondsOrMillis(timestamp, req.nowMs)) return false;
  // Placeholders are replaced in one pass, so a body containing "{url}" stays as it is.
  const parts = o.payload_format.split(/(\{body\}|\{timestamp\}|\{method\}|\{url\})/);
  const content = Buffer.concat(
    parts.map((part) => {
      switch (part) {
        case '{body}': return req.rawBody;
        case '{timestamp}': return Buffer.from(timestamp ?? '');
        case '{method}': return Buffer.from(req.method);
        case '{url}': return Buffer.from(req.url);
        default: return Buffer.from(part);
      }
    }),
  );
  const given = o.encoding === 'hex' ? signature.toLowerCase() : signature;
  let ok = false;
  for (const secret of secrets) {
    const key = o.secret_base64 ? Buffer.from(secret, 'base64') : secret;
    const expected = o.prefix + hmac(key, content, o.encoding, o.algorithm);
    ok = safeEqual(given, o.encoding === 'hex' ? expected.toLowerCase() : expected) || ok;
  }
  return ok;
}

/**
 * Vapi authenticates with the credential the user picks (sources.auth.mode):
 *   secret (default): the x-vapi-secret header is the secret;
 *   bearer: Authorization: Bearer <secret>;
 *   hmac: Vapi's HMAC credential with its options.
 */
function verify(req: SignedRequest, { secrets, auth }: SourceCredentials): boolean {
  switch (auth.mode ?? 'secret') {
    case 'secret':
      return matchesAnySecret(header(req.headers, 'x-vapi-secret'), secrets);
    case 'bearer': {
      const match = /^Bearer\s+(.+)$/i.exec(header(req.headers, 'authorization') ?? '');
      return matchesAnySecret(match?.[1].trim(), secrets);
    }
    case 'hmac':
      return verifyHmac(req, secrets, auth as unknown as HmacOptions);
    default:
      return false;
  }
}

/**
 * tool-calls, assistant-request and transfer-destination-request are answered within the
 * request by app_private.vapi_respond (tool calls book through the same function as the REST
 * RPC), always with HTTP 200; every other message goes to the inbox and process_call_events.
 */
export const vapi: WebhookProvider<VapiPayload> = {
  name: 'vapi',
  verify,
  schema,
  inboxFields: (payload, req) => ({
    dedupeKey: dedupeKey(payload, req),
    partitionKey: payload.message.call?.id,
    eventType: payload.message.type,
    occurredAt: occurredAt(payload),
  }),
  respondNow: async (payload, { db, orgId }) => {
    if (!ANSWERED_NOW.has(payload.message.type)) return undefined;
    try {
      const { rows } = await db.query<{ answer: unknown }>('select app_private.vapi_respond($1, $2::jsonb) as answer', [
        orgId,
        JSON.stringify(payload.message),
      ]);
      return { status: 200, body: rows[0].answer };
    } catch {
      return { status: 200, body: unavailableAnswer(payload) };
    }
  },
};

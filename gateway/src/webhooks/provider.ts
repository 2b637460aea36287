import type { IncomingHttpHeaders } from 'node:http';
import type { z } from 'zod/v4';
import type { Db } from '../db.ts';

/** What a sender's request offers for authentication. */
export interface SignedRequest {
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  /** The body parsed as JSON, or undefined when it is not JSON (checked after authentication). */
  json: unknown;
  method: string;
  /** The full URL the sender called, as it signed it (Vapi's {url} placeholder, Twilio's signature): PUBLIC_URL + path, else scheme://host + path. */
  url: string;
  nowMs: number;
}

/** A source's valid secrets (newest first, at most two) and its auth options (sources.auth). */
export interface SourceCredentials {
  orgId: string;
  secrets: string[];
  auth: Record<string, unknown>;
}

/** What the inbox stores about an event besides its body. */
export interface InboxFields {
  dedupeKey: string;
  /** Events sharing it are processed in order, never concurrently (e.g. a contact's email). */
  partitionKey?: string;
  eventType?: string;
  occurredAt?: string | null;
}

export interface SyncContext {
  db: Db;
  orgId: string;
  sourceId: string;
}

/**
 * A webhook sender. Adding one means a file in providers/ and a line in providers/index.ts
 * (plus a row in app_private.provider_tasks naming the worker task for its events).
 * The secret in the URL (`/webhooks/{provider}/{source_id}/{secret}`) is accepted for every
 * provider by the route itself; `verify` checks what the platform sends besides.
 */
export interface WebhookProvider<P = unknown> {
  name: string;
  /** True when the request carries one of the source's valid secrets the way this platform can. */
  verify(request: SignedRequest, credentials: SourceCredentials): boolean;
  /** zod 4 (`zod/v4`): several times faster than zod 3 on these objects, and this runs per webhook. */
  schema: z.ZodType<P, unknown>;
  inboxFields(payload: P, request: SignedRequest): InboxFields;
  /** Body content type when not JSON (Twilio: application/x-www-form-urlencoded). */
  contentType?: RegExp;
  /** Parses a non-JSON body into the object the schema validates and the inbox stores. */
  parseBody?(rawBody: Buffer): unknown;
  /** The 2xx body the sender expects instead of our JSON (Twilio: empty TwiML). */
  acknowledge?: { contentType: string; body: string };
  /** Answers within the request instead of storing (e.g. Vapi tool calls); undefined to store. */
  respondNow?(payload: P, context: SyncContext): Promise<{ status: number; body: unknown } | undefined>;
}

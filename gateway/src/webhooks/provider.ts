import type { IncomingHttpHeaders } from 'node:http';
import type { z } from 'zod';
import type { Db } from '../db.ts';

/** What a sender's request offers for authentication. */
export interface SignedRequest {
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  /** The body parsed as JSON, or undefined when it is not JSON (checked after authentication). */
  json: unknown;
  method: string;
  /** The URL the sender called, as it would have signed it (Vapi's {url} placeholder). */
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
  schema: z.ZodType<P, z.ZodTypeDef, unknown>;
  inboxFields(payload: P, request: SignedRequest): InboxFields;
  /** Answers within the request instead of storing (e.g. Vapi tool calls); undefined to store. */
  respondNow?(payload: P, context: SyncContext): Promise<{ status: number; body: unknown } | undefined>;
}

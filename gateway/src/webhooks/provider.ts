import type { IncomingHttpHeaders } from 'node:http';
import type { z } from 'zod';
import type { Db } from '../db.ts';

export interface SignedRequest {
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  nowMs: number;
  /** The full URL the sender requested (Twilio signs it): PUBLIC_URL + path, else scheme://host + path. */
  url?: string;
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
 */
export interface WebhookProvider<P = unknown> {
  name: string;
  /** True when the request is signed by one of the source's valid secrets. */
  verify(request: SignedRequest, secrets: string[]): boolean;
  schema: z.ZodType<P, z.ZodTypeDef, unknown>;
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

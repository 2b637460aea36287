import type { Outcome } from '../../deliver_webhook.ts';

/**
 * What the three campaign-tool adapters share: the tool-neutral lead record
 * (app_private.map_lead), per-lead results, the call's classification, small helpers.
 * Pacing, retries, the circuit breaker, dead letters and at-most-once live in SQL
 * (db/functions/handoff/push.sql); nothing here decides them.
 */
export type Provider = 'smartlead' | 'replyio' | 'instantly';

export interface MappedLead {
  lead_id: string;
  email?: string;
  first_name?: string;
  last_name?: string;
  phone?: string;
  company?: string;
  custom_fields: Record<string, string>;
}

export interface LeadResult {
  lead_id: string;
  status: 'pushed' | 'duplicate' | 'refused';
  reason?: string;
  answer?: unknown;
}

export type CallOutcome = 'ok' | 'rate_limited' | 'retry' | 'auth';

export interface CallResult {
  outcome: CallOutcome;
  http: Outcome;
  results: LeadResult[];
}

export interface Connection {
  provider: Provider;
  baseUrl: string | null;
  campaignId: string;
  apiKey: string;
}

/** The platforms' published API roots (a connection's base_url replaces them, e.g. in tests). */
export const DEFAULT_BASE_URL: Record<Provider, string> = {
  smartlead: 'https://server.smartlead.ai/api/v1',
  replyio: 'https://api.reply.io',
  instantly: 'https://api.instantly.ai',
};

export const base = (c: Connection) => (c.baseUrl ?? DEFAULT_BASE_URL[c.provider]).replace(/\/+$/, '');
export const enc = encodeURIComponent;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
export const MAX_BODY = 64 * 1024;

export const validEmail = (email: string | undefined): email is string => !!email && email.length <= 320 && EMAIL.test(email);

export function json(o: Outcome): Record<string, unknown> | null {
  try {
    const v = JSON.parse(o.excerpt ?? '');
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Whole-call classification shared by the three tools. */
export function classify(o: Outcome): CallOutcome | null {
  if (o.status === 429) return 'rate_limited';
  if (o.status === 401 || o.status === 403 || o.status === 404) return 'auth';
  if (o.status === null || o.status === 408 || o.status >= 500) return 'retry';
  return null;
}

export const customStrings = (fields: Record<string, string>) =>
  Object.fromEntries(Object.entries(fields ?? {}).map(([k, v]) => [k, String(v)]));

export const lowerList = (v: unknown): Set<string> =>
  new Set((Array.isArray(v) ? v : []).map((x) => String(typeof x === 'object' && x ? ((x as { email?: unknown }).email ?? '') : x).toLowerCase()));


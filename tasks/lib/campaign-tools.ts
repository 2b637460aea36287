import { httpRequest, type Outcome } from '../deliver_webhook.ts';

/**
 * The campaign tools' wire formats: one adapter per platform turns our tool-neutral lead
 * records (app_private.map_lead) into its request and its answer into per-lead results.
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

const base = (c: Connection) => (c.baseUrl ?? DEFAULT_BASE_URL[c.provider]).replace(/\/+$/, '');
const enc = encodeURIComponent;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const MAX_BODY = 64 * 1024;

export const validEmail = (email: string | undefined): email is string => !!email && email.length <= 320 && EMAIL.test(email);

function json(o: Outcome): Record<string, unknown> | null {
  try {
    const v = JSON.parse(o.excerpt ?? '');
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Whole-call classification shared by the three tools. */
function classify(o: Outcome): CallOutcome | null {
  if (o.status === 429) return 'rate_limited';
  if (o.status === 401 || o.status === 403 || o.status === 404) return 'auth';
  if (o.status === null || o.status === 408 || o.status >= 500) return 'retry';
  return null;
}

const customStrings = (fields: Record<string, string>) =>
  Object.fromEntries(Object.entries(fields ?? {}).map(([k, v]) => [k, String(v)]));

const lowerList = (v: unknown): Set<string> =>
  new Set((Array.isArray(v) ? v : []).map((x) => String(typeof x === 'object' && x ? ((x as { email?: unknown }).email ?? '') : x).toLowerCase()));

/**
 * SmartLead: POST {base}/campaigns/{id}/leads?api_key=… with {lead_list, settings}; at most 100
 * leads per call. Reads upload_count, duplicate_count, already_added_to_campaign and
 * invalid_email_count, and the lists of refused addresses where present.
 */
async function smartleadPush(c: Connection, leads: MappedLead[]): Promise<CallResult> {
  if (leads.length > 100) throw new Error('a SmartLead call carries at most 100 leads');
  const body = JSON.stringify({
    lead_list: leads.map((l) => ({
      email: l.email,
      first_name: l.first_name ?? null,
      last_name: l.last_name ?? null,
      phone_number: l.phone ?? null,
      company_name: l.company ?? null,
      custom_fields: customStrings(l.custom_fields),
    })),
    settings: { ignore_global_block_list: false, ignore_unsubscribe_list: false, ignore_duplicate_leads_in_other_campaign: false },
  });
  const http = await httpRequest('POST', `${base(c)}/campaigns/${enc(c.campaignId)}/leads?api_key=${enc(c.apiKey)}`,
    { 'content-type': 'application/json', accept: 'application/json' }, body, { maxBody: MAX_BODY });
  const whole = classify(http);
  if (whole) return { outcome: whole, http, results: [] };
  const answer = json(http);
  if (!http.status || http.status >= 300 || !answer) return { outcome: 'retry', http, results: [] };
  const counts = Object.fromEntries(
    ['upload_count', 'total_leads', 'duplicate_count', 'already_added_to_campaign', 'invalid_email_count', 'block_count', 'unsubscribed_count']
      .filter((k) => k in answer).map((k) => [k, answer[k]]));
  const invalid = lowerList(answer.invalid_emails);
  const unsubscribed = lowerList(answer.unsubscribed_leads);
  const blocked = lowerList(answer.blocked_leads ?? answer.block_list);
  return {
    outcome: 'ok',
    http,
    results: leads.map((l) => {
      const email = (l.email ?? '').toLowerCase();
      if (invalid.has(email)) return { lead_id: l.lead_id, status: 'refused', reason: 'invalid_email', answer: counts };
      if (unsubscribed.has(email)) return { lead_id: l.lead_id, status: 'refused', reason: 'unsubscribed', answer: counts };
      if (blocked.has(email)) return { lead_id: l.lead_id, status: 'refused', reason: 'blocked', answer: counts };
      return { lead_id: l.lead_id, status: 'pushed', answer: counts };
    }),
  };
}

/**
 * Reply.io v3: POST {base}/v3/sequences/{id}/contacts with {contact:{…}} and a Bearer key,
 * one contact per call. problem+json errors carry a `code`; contactAlreadyInSequence is a
 * success; other codes on a 4xx are the tool refusing the lead.
 */
async function replyioPush(c: Connection, leads: MappedLead[]): Promise<CallResult> {
  if (leads.length !== 1) throw new Error('a Reply.io call carries one contact');
  const l = leads[0];
  const contact: Record<string, unknown> = { email: l.email };
  if (l.first_name) contact.firstName = l.first_name;
  if (l.last_name) contact.lastName = l.last_name;
  if (l.company) contact.company = l.company;
  if (l.phone) contact.phone = l.phone;
  const custom = Object.entries(customStrings(l.custom_fields)).map(([key, value]) => ({ key, value }));
  if (custom.length) contact.customFields = custom;
  const http = await httpRequest('POST', `${base(c)}/v3/sequences/${enc(c.campaignId)}/contacts`,
    { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${c.apiKey}` },
    JSON.stringify({ contact }), { maxBody: MAX_BODY });
  const answer = json(http);
  const code = typeof answer?.code === 'string' ? answer.code : undefined;
  if (http.status && http.status >= 400 && http.status < 500 && code === 'contactAlreadyInSequence') {
    return { outcome: 'ok', http, results: [{ lead_id: l.lead_id, status: 'duplicate', reason: code, answer }] };
  }
  const whole = classify(http);
  if (whole) return { outcome: whole, http, results: [] };
  if (http.status && http.status >= 200 && http.status < 300) {
    return { outcome: 'ok', http, results: [{ lead_id: l.lead_id, status: 'pushed', answer: answer && { id: answer.id } }] };
  }
  if (http.status && http.status >= 400 && http.status < 500 && code) {
    return { outcome: 'ok', http, results: [{ lead_id: l.lead_id, status: 'refused', reason: code, answer }] };
  }
  return { outcome: 'retry', http, results: [] };
}

/**
 * Instantly API v2: POST {base}/api/v2/leads with a Bearer key, one lead per call
 * (campaign, email, first_name, last_name, company_name, phone, custom_variables;
 * skip_if_in_campaign so a repeated call never adds the lead twice).
 */
async function instantlyPush(c: Connection, leads: MappedLead[]): Promise<CallResult> {
  if (leads.length !== 1) throw new Error('an Instantly call carries one lead');
  const l = leads[0];
  const body: Record<string, unknown> = { campaign: c.campaignId, email: l.email, skip_if_in_campaign: true };
  if (l.first_name) body.first_name = l.first_name;
  if (l.last_name) body.last_name = l.last_name;
  if (l.company) body.company_name = l.company;
  if (l.phone) body.phone = l.phone;
  const custom = customStrings(l.custom_fields);
  if (Object.keys(custom).length) body.custom_variables = custom;
  const http = await httpRequest('POST', `${base(c)}/api/v2/leads`,
    { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${c.apiKey}` },
    JSON.stringify(body), { maxBody: MAX_BODY });
  const whole = classify(http);
  if (whole) return { outcome: whole, http, results: [] };
  const answer = json(http);
  if (http.status && http.status >= 200 && http.status < 300) {
    return { outcome: 'ok', http, results: [{ lead_id: l.lead_id, status: 'pushed', answer: answer && { id: answer.id } }] };
  }
  if (http.status && http.status >= 400 && http.status < 500) {
    const reason = String(answer?.message ?? answer?.error ?? `HTTP ${http.status}`).slice(0, 200);
    return { outcome: 'ok', http, results: [{ lead_id: l.lead_id, status: 'refused', reason, answer }] };
  }
  return { outcome: 'retry', http, results: [] };
}

export function push(c: Connection, leads: MappedLead[]): Promise<CallResult> {
  switch (c.provider) {
    case 'smartlead':
      return smartleadPush(c, leads);
    case 'replyio':
      return replyioPush(c, leads);
    case 'instantly':
      return instantlyPush(c, leads);
  }
}

/**
 * After an interrupted call (worker killed mid-chunk): is this lead already in the campaign?
 * SmartLead: GET {base}/leads/?api_key=…&email=… (lead_campaign_data lists its campaigns).
 * Reply.io and Instantly need no look-up: the re-sent call answers contactAlreadyInSequence /
 * is skipped by skip_if_in_campaign. null when the tool could not tell (treated as absent).
 */
export async function alreadyInCampaign(c: Connection, lead: MappedLead): Promise<boolean | null> {
  if (c.provider !== 'smartlead' || !lead.email) return null;
  const http = await httpRequest('GET', `${base(c)}/leads/?api_key=${enc(c.apiKey)}&email=${enc(lead.email)}`,
    { accept: 'application/json' }, null, { maxBody: MAX_BODY });
  if (http.status !== 200) return null;
  const answer = json(http);
  const campaigns = Array.isArray(answer?.lead_campaign_data) ? (answer.lead_campaign_data as Array<{ campaign_id?: unknown }>) : [];
  return campaigns.some((x) => String(x.campaign_id) === String(c.campaignId));
}

/** Checks that the key opens the campaign (when a connection is saved). null = valid. */
export async function validate(c: Connection): Promise<{ problem: string | null; transient: boolean }> {
  const url = {
    smartlead: `${base(c)}/campaigns/${enc(c.campaignId)}?api_key=${enc(c.apiKey)}`,
    replyio: `${base(c)}/v3/sequences/${enc(c.campaignId)}`,
    instantly: `${base(c)}/api/v2/campaigns/${enc(c.campaignId)}`,
  }[c.provider];
  const headers: Record<string, string> = { accept: 'application/json' };
  if (c.provider !== 'smartlead') headers.authorization = `Bearer ${c.apiKey}`;
  const http = await httpRequest('GET', url, headers, null, { maxBody: MAX_BODY });
  if (http.status === 200) return { problem: null, transient: false };
  if (http.status === 401 || http.status === 403) return { problem: `the API key was refused (HTTP ${http.status})`, transient: false };
  if (http.status === 404) return { problem: `no such campaign: ${c.campaignId}`, transient: false };
  return { problem: http.error ?? `HTTP ${http.status}`, transient: true };
}

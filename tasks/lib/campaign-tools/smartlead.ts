import { httpRequest } from '../../deliver_webhook.ts';
import { type CallResult, type Connection, type MappedLead, MAX_BODY, base, classify, customStrings, enc, json, lowerList } from './common.ts';

/**
 * SmartLead: POST {base}/campaigns/{id}/leads?api_key=… with {lead_list, settings}; at most 100
 * leads per call. Reads upload_count, duplicate_count, already_added_to_campaign and
 * invalid_email_count, and the lists of refused addresses where present.
 */
export async function smartleadPush(c: Connection, leads: MappedLead[]): Promise<CallResult> {
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
 * After an interrupted call: is this lead already in the campaign? GET {base}/leads/?api_key=…&email=…
 * (SmartLead's lead-by-email look-up; lead_campaign_data lists its campaigns). null when it
 * cannot tell (treated as absent).
 */
export async function smartleadHasLead(c: Connection, lead: MappedLead): Promise<boolean | null> {
  if (!lead.email) return null;
  const http = await httpRequest('GET', `${base(c)}/leads/?api_key=${enc(c.apiKey)}&email=${enc(lead.email)}`,
    { accept: 'application/json' }, null, { maxBody: MAX_BODY });
  if (http.status !== 200) return null;
  const answer = json(http);
  const campaigns = Array.isArray(answer?.lead_campaign_data) ? (answer.lead_campaign_data as Array<{ campaign_id?: unknown }>) : [];
  return campaigns.some((x) => String(x.campaign_id) === String(c.campaignId));
}


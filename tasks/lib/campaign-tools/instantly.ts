import { httpRequest } from '../../deliver_webhook.ts';
import { type CallResult, type Connection, type MappedLead, MAX_BODY, base, classify, customStrings, enc, json } from './common.ts';

/**
 * Instantly API v2: POST {base}/api/v2/leads with a Bearer key, one lead per call
 * (campaign, email, first_name, last_name, company_name, phone, custom_variables;
 * skip_if_in_campaign so a repeated call never adds the lead twice).
 */
export async function instantlyPush(c: Connection, leads: MappedLead[]): Promise<CallResult> {
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


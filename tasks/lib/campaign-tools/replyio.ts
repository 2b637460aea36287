import { httpRequest } from '../../deliver_webhook.ts';
import { type CallResult, type Connection, type MappedLead, MAX_BODY, base, classify, customStrings, enc, json } from './common.ts';

/**
 * Reply.io v3: POST {base}/v3/sequences/{id}/contacts with {contact:{…}} and a Bearer key,
 * one contact per call. problem+json errors carry a `code`; contactAlreadyInSequence is a
 * success; other codes on a 4xx are the tool refusing the lead.
 */
export async function replyioPush(c: Connection, leads: MappedLead[]): Promise<CallResult> {
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


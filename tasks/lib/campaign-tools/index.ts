import { httpRequest } from '../../deliver_webhook.ts';
import { type CallResult, type Connection, type MappedLead, MAX_BODY, base, enc } from './common.ts';
import { instantlyPush } from './instantly.ts';
import { replyioPush } from './replyio.ts';
import { smartleadHasLead, smartleadPush } from './smartlead.ts';

export * from './common.ts';

/** One call of a chunk to the connection's tool (one adapter file per platform). */
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
 * SmartLead is asked (GET /leads/?email=…); Reply.io and Instantly need no look-up: the re-sent
 * call answers contactAlreadyInSequence / is skipped by skip_if_in_campaign. null when the
 * tool cannot tell (treated as absent).
 */
export function alreadyInCampaign(c: Connection, lead: MappedLead): Promise<boolean | null> {
  return c.provider === 'smartlead' ? smartleadHasLead(c, lead) : Promise.resolve(null);
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

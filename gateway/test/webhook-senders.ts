import { createHmac, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { cli, stack } from './helpers.ts';

/**
 * Test-side senders: each authenticates as the platform really does (CONTRACT.md "Source
 * authentication"): SmartLead here with its documented X-Smartlead-Signature (its body
 * secret_key is exercised in real-senders.test.ts), Reply.io with the secret in the URL,
 * standard via the official Standard Webhooks package.
 */
export type Provider = 'smartlead' | 'replyio' | 'standard';

export interface Source {
  provider: Provider;
  sourceId: string;
  secret: string;
}

export async function createSource(orgId: string, provider: Provider): Promise<Source> {
  const { source_id, secret } = await cli('source', 'create', '--org', orgId, '--provider', provider);
  return { provider, sourceId: source_id, secret };
}

const hexHmac = (secret: string, content: string) => createHmac('sha256', secret).update(content).digest('hex');

export interface OutreachEvent {
  metric: 'sent' | 'opened' | 'clicked' | 'replied' | 'bounced' | 'unsubscribed' | 'categorized';
  campaignId: string;
  campaignName: string;
  email: string;
  category?: string;
  id?: string;
  at?: Date;
}

const TYPES: Record<Provider, Record<OutreachEvent['metric'], string>> = {
  smartlead: { sent: 'EMAIL_SENT', opened: 'EMAIL_OPEN', clicked: 'EMAIL_LINK_CLICK', replied: 'EMAIL_REPLY', bounced: 'EMAIL_BOUNCE', unsubscribed: 'LEAD_UNSUBSCRIBED', categorized: 'LEAD_CATEGORY_UPDATED' },
  replyio: { sent: 'email_sent', opened: 'email_opened', clicked: 'email_link_clicked', replied: 'email_replied', bounced: 'email_bounced', unsubscribed: 'contact_opted_out', categorized: 'reply_categorized' },
  standard: { sent: 'email.sent', opened: 'email.opened', clicked: 'email.clicked', replied: 'email.replied', bounced: 'email.bounced', unsubscribed: 'email.unsubscribed', categorized: 'email.categorized' },
};

export function payloadFor(provider: Provider, e: OutreachEvent): Record<string, unknown> {
  const at = (e.at ?? new Date()).toISOString();
  const type = TYPES[provider][e.metric];
  switch (provider) {
    case 'smartlead':
      return { event_type: type, campaign_id: e.campaignId, campaign_name: e.campaignName, to_email: e.email, event_timestamp: at, ...(e.category ? { lead_category: e.category } : {}), nonce: e.id ?? randomUUID() };
    case 'replyio':
      return { event: { id: e.id ?? randomUUID(), type, timestamp: at }, payload: { contact: { email: e.email }, sequence: { id: e.campaignId, name: e.campaignName }, ...(e.category ? { category: e.category } : {}) } };
    case 'standard':
      return { type, timestamp: at, data: { campaign_id: e.campaignId, campaign_name: e.campaignName, email: e.email, ...(e.category ? { category: e.category } : {}) } };
  }
}

/** Headers that sign `body` for the source; `webhookId` only matters for standard. */
export function signedHeaders(source: Source, body: string, webhookId = `msg_${randomUUID()}`, at = new Date()): Record<string, string> {
  const base = { 'content-type': 'application/json' };
  switch (source.provider) {
    case 'smartlead':
      return { ...base, 'x-smartlead-signature': hexHmac(source.secret, body) };
    case 'replyio':
      return base; // Reply.io cannot sign: its secret travels in the URL (pathFor)
    case 'standard': {
      const signature = new Webhook(source.secret).sign(webhookId, at, body);
      return { ...base, 'webhook-id': webhookId, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature };
    }
  }
}

export interface Delivery {
  source: Source;
  body: string;
  headers: Record<string, string>;
}

export function signedDelivery(source: Source, event: OutreachEvent): Delivery {
  const body = JSON.stringify(payloadFor(source.provider, event));
  return { source, body, headers: signedHeaders(source, body, event.id ? `msg_${event.id}` : undefined) };
}

/** The path a platform posts to: Reply.io's carries the secret. */
export function pathFor(source: Source): string {
  const base = `/webhooks/${source.provider}/${source.sourceId}`;
  return source.provider === 'replyio' ? `${base}/${encodeURIComponent(source.secret)}` : base;
}

export function deliver(d: Delivery, path = pathFor(d.source)): Promise<Response> {
  return fetch(`${stack().gatewayUrl}${path}`, { method: 'POST', headers: d.headers, body: d.body });
}

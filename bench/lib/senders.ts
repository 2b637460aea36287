import { createHmac, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** A signed SmartLead delivery of a fresh email.sent event (unique body → unique dedupe key). */
export function smartleadDelivery(secret: string, i: number): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify({
    event_type: 'EMAIL_SENT', campaign_id: `c${i % 10}`, campaign_name: `Campaign ${i % 10}`,
    to_email: `lead${i}@example.test`, event_timestamp: new Date().toISOString(), nonce: randomUUID(),
  });
  const signature = createHmac('sha256', secret).update(body).digest('hex');
  return { body, headers: { 'content-type': 'application/json', 'x-smartlead-signature': signature } };
}

export interface Outcome {
  status: number;
  eventId?: string;
}

/** POSTs every delivery with `concurrency` in flight; `during(sent)` runs once when a third is sent. */
export async function burst(
  url: string,
  deliveries: Array<{ body: string; headers: Record<string, string> }>,
  concurrency: number,
  during: () => Promise<void> | void,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(deliveries.length);
  let next = 0;
  let fired: Promise<void> | undefined;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < deliveries.length) {
        const i = next++;
        if (i === Math.floor(deliveries.length / 3)) fired = Promise.resolve(during());
        try {
          const res = await fetch(url, { method: 'POST', headers: deliveries[i].headers, body: deliveries[i].body, signal: AbortSignal.timeout(30_000) });
          const json = (await res.json().catch(() => ({}))) as { event_id?: string };
          outcomes[i] = { status: res.status, eventId: json.event_id };
        } catch {
          outcomes[i] = { status: 0 }; // connection refused or reset: nothing acknowledged
        }
      }
    }),
  );
  await fired;
  return outcomes;
}

export function tally(outcomes: Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o.status] = (counts[o.status] ?? 0) + 1;
  return counts;
}

export type Provider = 'smartlead' | 'replyio' | 'standard';

/** Where a provider's deliveries go: Reply.io authenticates by the source's secret in the URL only. */
export function webhookUrl(gatewayUrl: string, provider: Provider, sourceId: string, secret: string): string {
  const base = `${gatewayUrl}/webhooks/${provider}/${sourceId}`;
  return provider === 'replyio' ? `${base}/${encodeURIComponent(secret)}` : base;
}

/**
 * A signed email.sent delivery for any of the three outreach providers, signed as each documents
 * (SmartLead: hex HMAC-SHA256 of the body; Reply.io: the URL; Standard Webhooks: its official package).
 * `i` makes the event unique; the same `i` gives the same dedupe key (a sender's retry).
 */
export function outreachDelivery(provider: Provider, secret: string, i: number, campaign = `c${i % 10}`): { body: string; headers: Record<string, string> } {
  const email = `lead${i}@example.test`;
  const at = new Date().toISOString();
  const hex = (body: string) => createHmac('sha256', secret).update(body).digest('hex');
  switch (provider) {
    case 'smartlead': {
      const body = JSON.stringify({ event_type: 'EMAIL_SENT', campaign_id: campaign, campaign_name: `Campaign ${campaign}`, to_email: email, event_timestamp: at, nonce: `n-${i}` });
      return { body, headers: { 'content-type': 'application/json', 'x-smartlead-signature': hex(body) } };
    }
    case 'replyio': {
      // Reply.io's own shape (gateway/test/fixtures/providers/replyio/shape-a-email_sent.json);
      // it signs nothing: the secret is in the URL (webhookUrl).
      const body = JSON.stringify({
        event: { date: at, id: `r-${i}`, type: 'email_sent', user_id: 1234, team_id: 100, subscription_id: 42 },
        contact_fields: { id: i, email, first_name: 'Test', last_name: `Lead ${i}` },
        sequence_fields: { id: campaign, name: `Campaign ${campaign}` },
      });
      return { body, headers: { 'content-type': 'application/json' } };
    }
    case 'standard': {
      const body = JSON.stringify({ type: 'email.sent', timestamp: at, data: { campaign_id: campaign, campaign_name: `Campaign ${campaign}`, email } });
      const id = `msg_${i}`;
      const now = new Date();
      return {
        body,
        headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(id, now, body) },
      };
    }
  }
}

export interface RetryingOutcome {
  /** The last answer (2xx once acknowledged). */
  status: number;
  eventId?: string;
  attempts: number;
  /** When the acknowledging request was sent and answered (performance.now()). */
  sentAt?: number;
  ackAt?: number;
}

/**
 * `concurrency` senders that retry as real webhook senders do: 429, 503 and connection errors
 * are retried after Retry-After (capped at `maxWaitMs`, with jitter), until `giveUpMs` has passed
 * for that delivery. Each retry is re-signed (a fresh timestamp), with the same event. `onEach`
 * runs after every answer (counting 503s, say); `during` once a third of the deliveries has started.
 */
export async function retryingSenders(
  deliveryFor: (i: number) => { url: string; body: string; headers: Record<string, string> },
  total: number,
  concurrency: number,
  options: { during: () => Promise<void> | void; onEach?: (status: number) => void; maxWaitMs?: number; giveUpMs?: number },
): Promise<RetryingOutcome[]> {
  const outcomes: RetryingOutcome[] = new Array(total);
  const maxWait = options.maxWaitMs ?? 2_000;
  const giveUp = options.giveUpMs ?? 120_000;
  let next = 0;
  let fired: Promise<void> | undefined;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        if (i === Math.floor(total / 3)) fired = Promise.resolve(options.during());
        const firstTry = performance.now();
        let attempts = 0;
        for (;;) {
          attempts++;
          const d = deliveryFor(i);
          const sentAt = performance.now();
          let status = 0;
          let eventId: string | undefined;
          let retryAfter = 1;
          try {
            const res = await fetch(d.url, { method: 'POST', headers: d.headers, body: d.body, signal: AbortSignal.timeout(30_000) });
            status = res.status;
            retryAfter = Number(res.headers.get('retry-after') ?? 1) || 1;
            eventId = ((await res.json().catch(() => ({}))) as { event_id?: string }).event_id;
          } catch {
            status = 0; // refused or reset: nothing was acknowledged
          }
          options.onEach?.(status);
          if (status >= 200 && status < 300) {
            outcomes[i] = { status, eventId, attempts, sentAt, ackAt: performance.now() };
            break;
          }
          const retriable = status === 0 || status === 429 || status === 503;
          if (!retriable || performance.now() - firstTry > giveUp) {
            outcomes[i] = { status, attempts };
            break;
          }
          const wait = Math.min(retryAfter * 1000, maxWait) * (0.5 + Math.random() / 2);
          await new Promise((r) => setTimeout(r, wait));
        }
      }
    }),
  );
  await fired;
  return outcomes;
}

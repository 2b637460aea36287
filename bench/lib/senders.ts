import { createHmac, randomUUID } from 'node:crypto';

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

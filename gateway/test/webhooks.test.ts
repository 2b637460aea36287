import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../lib/ports.ts';
import { cli, createOrg, login, ownerPool, rest } from './helpers.ts';
import { type Delivery, type OutreachEvent, type Provider, createSource, deliver, signedDelivery, signedHeaders } from './webhook-senders.ts';

const pool = ownerPool();
afterAll(() => pool.end());

type Counts = Record<'sent' | 'opened' | 'clicked' | 'replied' | 'positive_replies' | 'bounced' | 'unsubscribed', number>;
const zero = (): Counts => ({ sent: 0, opened: 0, clicked: 0, replied: 0, positive_replies: 0, bounced: 0, unsubscribed: 0 });

async function metricsByCampaign(token: string): Promise<Map<string, Counts & { name: string; freshness: string }>> {
  const res = await rest('/campaign_metrics?select=external_id,provider,name,sent,opened,clicked,replied,positive_replies,bounced,unsubscribed,freshness', token);
  const rows = (await res.json()) as Array<Counts & { external_id: string; provider: string; name: string; freshness: string }>;
  return new Map(rows.map((r) => [`${r.provider}:${r.external_id}`, r]));
}

/** All deliveries in flight together, at most 500 connections at a time (as a sender fleet would). */
async function deliverAll(deliveries: Delivery[]): Promise<Response[]> {
  const responses: Response[] = new Array(deliveries.length);
  let next = 0;
  await Promise.all(Array.from({ length: 500 }, async () => {
    while (next < deliveries.length) {
      const i = next++;
      responses[i] = await deliver(deliveries[i]);
    }
  }));
  return responses;
}

const storedEvents = async (orgId: string) =>
  Number((await pool.query('select count(*) from app_public.webhook_events where org_id = $1', [orgId])).rows[0].count);

describe('signed outreach webhooks become exact campaign metrics', () => {
  it('counts 2,000 concurrent events exactly, then answers all 2,000 re-sends as duplicates', async () => {
    const org = await createOrg('Hot Campaign Org');
    const sources = await Promise.all((['smartlead', 'replyio', 'standard'] as Provider[]).map((p) => createSource(org.orgId, p)));
    const metrics: OutreachEvent['metric'][] = ['sent', 'sent', 'sent', 'opened', 'opened', 'clicked', 'replied', 'bounced', 'unsubscribed'];
    const expected = new Map<string, Counts>();
    const deliveries: Delivery[] = [];
    for (let i = 0; i < 2000; i++) {
      const source = sources[i % 3];
      // Most events hit one hot campaign per provider; the rest spread over cold ones.
      const campaignId = i % 5 === 0 ? `cold-${i % 7}` : 'hot-1';
      const metric = metrics[i % metrics.length];
      const category = metric === 'replied' ? (i % 2 === 0 ? 'Interested' : 'not_interested') : undefined;
      const event: OutreachEvent = { metric, campaignId, campaignName: `Campaign ${campaignId}`, email: `lead${i}@example.test`, category, id: randomUUID() };
      deliveries.push(signedDelivery(source, event));
      const key = `${source.provider}:${campaignId}`;
      const counts = expected.get(key) ?? zero();
      counts[metric as keyof Counts] += 1;
      if (category === 'Interested') counts.positive_replies += 1;
      expected.set(key, counts);
    }

    const first = await deliverAll(deliveries);
    expect(first.map((r) => r.status).filter((s) => s !== 202)).toEqual([]);

    const token = await login(org.email, org.password);
    await waitFor(async () => {
      const got = await metricsByCampaign(token);
      return [...expected].every(([key, counts]) => Object.entries(counts).every(([k, v]) => got.get(key)?.[k as keyof Counts] === v));
    }, 'campaign metrics to settle', 90_000);
    const settled = await metricsByCampaign(token);
    for (const [key, counts] of expected) expect(settled.get(key), key).toMatchObject({ ...counts, freshness: 'fresh' });
    expect(settled.get('smartlead:hot-1')?.name).toBe('Campaign hot-1');
    expect(settled.size).toBe(expected.size);

    const again = await deliverAll(deliveries);
    const bodies = (await Promise.all(again.map((r) => r.json()))) as Array<{ status: string }>;
    expect(again.every((r) => r.status === 200)).toBe(true);
    expect(bodies.every((b) => b.status === 'duplicate')).toBe(true);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await metricsByCampaign(token)).toEqual(settled);
    expect(await storedEvents(org.orgId)).toBe(2000);
  }, 180_000);

  it('refuses bad signatures, stale or future timestamps, oversized, mistyped, malformed and invalid bodies, storing nothing', async () => {
    const org = await createOrg();
    const standard = await createSource(org.orgId, 'standard');
    const smartlead = await createSource(org.orgId, 'smartlead');
    const event: OutreachEvent = { metric: 'sent', campaignId: 'c1', campaignName: 'C1', email: 'x@example.test' };
    const ok = signedDelivery(smartlead, event);
    const post = (d: Delivery, path?: string) => deliver(d, path);
    const expectError = async (res: Response, status: number, code: string) => {
      expect(res.status).toBe(status);
      const body = (await res.json()) as { error: string; message: string };
      expect(body.error).toBe(code);
      expect(body.message).not.toMatch(/select|insert|app_private|stack|at \//i);
    };

    await expectError(await post({ ...ok, headers: { ...ok.headers, 'x-smartlead-signature': 'ab'.repeat(32) } }), 401, 'invalid_signature');
    await expectError(await post({ ...ok, headers: { 'content-type': 'application/json' } }), 401, 'invalid_signature');
    await expectError(await post({ ...ok, body: ok.body.replace('C1', 'C2') }), 401, 'invalid_signature');
    const unknown = await post(ok, `/webhooks/smartlead/${randomUUID()}`);
    const badSig = await post({ ...ok, headers: { ...ok.headers, 'x-smartlead-signature': '00' } });
    expect(unknown.status).toBe(401);
    expect(await unknown.text()).toBe(await badSig.text());
    await expectError(await post(ok, `/webhooks/standard/${smartlead.sourceId}`), 401, 'invalid_signature');

    const body = JSON.stringify({ type: 'email.sent', timestamp: new Date().toISOString(), data: { campaign_id: 'c1', campaign_name: 'C1', email: 'x@example.test' } });
    for (const skew of [-301, 301]) {
      const at = new Date(Date.now() + skew * 1000);
      await expectError(await post({ source: standard, body, headers: signedHeaders(standard, body, undefined, at) }), 401, 'invalid_signature');
    }
    const big = JSON.stringify({ ...JSON.parse(ok.body), padding: 'x'.repeat(300 * 1024) });
    await expectError(await post({ source: smartlead, body: big, headers: signedHeaders(smartlead, big) }), 413, 'payload_too_large');
    await expectError(await post({ ...ok, headers: { ...ok.headers, 'content-type': 'text/plain' } }), 415, 'unsupported_media_type');
    const malformed = '{"event_type": "EMAIL_SENT",';
    await expectError(await post({ source: smartlead, body: malformed, headers: signedHeaders(smartlead, malformed) }), 400, 'invalid_payload');
    const invalid = JSON.stringify({ event_type: 'EMAIL_SENT', campaign_id: 'c1', to_email: 'not-an-email', event_timestamp: 'yesterday' });
    await expectError(await post({ source: smartlead, body: invalid, headers: signedHeaders(smartlead, invalid) }), 400, 'invalid_payload');
    expect(await storedEvents(org.orgId)).toBe(0);

    // A Standard Webhooks id replayed (even re-signed) is a duplicate, stored once.
    const headers = signedHeaders(standard, body, 'msg_replayed');
    const firstRes = await post({ source: standard, body, headers });
    expect(firstRes.status).toBe(202);
    const replay = await post({ source: standard, body, headers: signedHeaders(standard, body, 'msg_replayed') });
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ status: 'duplicate', event_id: ((await firstRes.json()) as { event_id: string }).event_id });
    expect(await storedEvents(org.orgId)).toBe(1);
  });

  it('accepts old and new secrets during the grace period, only the new after it; refuses a disabled source', async () => {
    const org = await createOrg();
    const source = await createSource(org.orgId, 'replyio');
    const send = (secret: string) =>
      deliver(signedDelivery({ ...source, secret }, { metric: 'opened', campaignId: 'r1', campaignName: 'R1', email: 'r@example.test' }));
    expect((await send(source.secret)).status).toBe(202);

    const rotated = await cli('source', 'rotate', '--source', source.sourceId, '--grace', '3s');
    expect(rotated.source_id).toBe(source.sourceId);
    expect(rotated.secret).not.toBe(source.secret);
    await new Promise((r) => setTimeout(r, 1100)); // credential cache TTL in tests
    expect((await send(source.secret)).status).toBe(202);
    expect((await send(rotated.secret)).status).toBe(202);
    await new Promise((r) => setTimeout(r, 3100));
    expect((await send(source.secret)).status).toBe(401);
    expect((await send(rotated.secret)).status).toBe(202);

    // An admin disables the source through PostgREST; it stops working within seconds.
    const token = await login(org.email, org.password);
    const patch = await rest(`/sources?id=eq.${source.sourceId}`, token, { method: 'PATCH', body: JSON.stringify({ enabled: false }) });
    expect(patch.status).toBe(204);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await send(rotated.secret)).status).toBe(401);
  });

  it('creates standard secrets in the whsec_ format that the official standardwebhooks signer uses', async () => {
    const org = await createOrg();
    const source = await createSource(org.orgId, 'standard');
    expect(source.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const res = await deliver(signedDelivery(source, { metric: 'clicked', campaignId: 's1', campaignName: 'S1', email: 's@example.test' }));
    expect(res.status).toBe(202);
  });
});

import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../lib/config.ts';
import { waitFor } from '../../lib/ports.ts';
import { GroupCommit, type InboxEvent } from '../src/webhooks/group-commit.ts';
import { createOrg, ownerPool, stack } from './helpers.ts';
import { type Delivery, type Source, createSource, deliver, signedDelivery, signedHeaders } from './webhook-senders.ts';

/**
 * Group commit (issue 23): webhooks that arrive together share one transaction, and a batch
 * holding a bad event falls back to one event at a time, so the bad one gets the answer it
 * gets alone and its neighbours are stored exactly once. Through the real gateway, and with
 * the batcher itself on the gateway's own database role (where one batch can be forced).
 */
const owner = ownerPool();
const gatewayDb = new pg.Pool({ connectionString: resolveConfig(stack().env).gatewayUrl, max: 4 });
gatewayDb.on('error', () => {});
afterAll(async () => {
  await owner.end();
  await gatewayDb.end();
});

const stored = async (sourceId: string) =>
  (await owner.query<{ dedupe_key: string; n: number; tx: string }>(
    // received_at defaults to now(), the transaction's start: one value per transaction
    // (xmin would not do: the worker's status update gives a processed row a new one).
    'select dedupe_key, count(*)::int as n, min(received_at)::text as tx from app_public.webhook_events where source_id = $1 group by dedupe_key',
    [sourceId])).rows;

/** A SmartLead body with a NUL escape: valid JSON for the gateway, refused by jsonb (SQLSTATE 22P05). */
function poisoned(source: Source): Delivery {
  const body = JSON.stringify({
    event_type: 'EMAIL_SENT', campaign_id: 'gc', campaign_name: 'Bad \u0000 name', to_email: 'bad@example.test',
    event_timestamp: new Date().toISOString(), nonce: randomUUID(),
  });
  return { source, body, headers: signedHeaders(source, body) };
}

describe('ingest group commit', () => {
  it('one bad event among 300 concurrent good ones: the good are 202 and stored once, the bad one 400 and stores nothing', async () => {
    const org = await createOrg('Group Commit Org');
    const source = await createSource(org.orgId, 'smartlead');
    // Alone, the bad event is answered 400 invalid_payload (the answer it must keep in a batch).
    const alone = await deliver(poisoned(source));
    expect(alone.status).toBe(400);
    expect(((await alone.json()) as { error: string }).error).toBe('invalid_payload');

    const good = Array.from({ length: 300 }, (_, i) =>
      signedDelivery(source, { metric: 'sent', campaignId: 'gc', campaignName: 'GC', email: `gc${i}@example.test`, id: randomUUID() }));
    const bad = poisoned(source);
    const all = [...good.slice(0, 150), bad, ...good.slice(150)];
    const responses = await Promise.all(all.map((d) => deliver(d)));
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as Array<{ status?: string; error?: string; event_id?: string }>;

    expect(responses[150].status).toBe(400);
    expect(bodies[150].error).toBe('invalid_payload');
    const goodAnswers = responses.filter((_, i) => i !== 150);
    expect(goodAnswers.map((r) => r.status).filter((s) => s !== 202)).toEqual([]);
    expect(new Set(bodies.filter((_, i) => i !== 150).map((b) => b.event_id)).size).toBe(300);

    const rows = await stored(source.sourceId);
    expect(rows.length).toBe(300); // the 300 good events; the bad one (alone or in the batch) stored nothing
    expect(rows.every((r) => r.n === 1)).toBe(true);
    // They were grouped: fewer transactions than events.
    expect(new Set(rows.map((r) => r.tx)).size).toBeLessThan(300);

    // Re-sent together, every one is a duplicate with its first event_id.
    const again = await Promise.all(good.map((d) => deliver(d)));
    const againBodies = (await Promise.all(again.map((r) => r.json()))) as Array<{ status: string; event_id: string }>;
    expect(again.every((r) => r.status === 200)).toBe(true);
    expect(againBodies.every((b) => b.status === 'duplicate')).toBe(true);
    expect(againBodies.map((b) => b.event_id)).toEqual(bodies.filter((_, i) => i !== 150).map((b) => b.event_id));
    expect((await stored(source.sourceId)).length).toBe(300);
  }, 120_000);

  it('concurrent requests with one dedupe key: exactly one accepted, the rest duplicates of it', async () => {
    const org = await createOrg('Group Commit Dedupe Org');
    const source = await createSource(org.orgId, 'standard');
    const body = JSON.stringify({ type: 'email.sent', timestamp: new Date().toISOString(), data: { campaign_id: 'd1', campaign_name: 'D1', email: 'd@example.test' } });
    // Standard Webhooks: the webhook-id is the dedupe key; 40 re-signed copies at once.
    const copies = Array.from({ length: 40 }, () => ({ source, body, headers: signedHeaders(source, body, 'msg_same_key') }));
    const others = Array.from({ length: 40 }, (_, i) =>
      signedDelivery(source, { metric: 'opened', campaignId: 'd1', campaignName: 'D1', email: `o${i}@example.test`, id: randomUUID() }));
    const responses = await Promise.all([...copies, ...others].map((d) => deliver(d)));
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as Array<{ status: string; event_id: string }>;
    const same = bodies.slice(0, 40);
    expect(same.filter((b) => b.status === 'accepted').length).toBe(1);
    expect(same.filter((b) => b.status === 'duplicate').length).toBe(39);
    expect(responses.slice(0, 40).map((r) => r.status).sort()).toEqual([...Array(39).fill(200), 202]);
    expect(new Set(same.map((b) => b.event_id)).size).toBe(1);
    expect(responses.slice(40).every((r) => r.status === 202)).toBe(true);
    const rows = await stored(source.sourceId);
    expect(rows.length).toBe(41);
    expect(rows.every((r) => r.n === 1)).toBe(true);
  }, 60_000);

  it('the batcher: one statement for a whole batch, first of a repeated key wins, bad events fail alone with their SQLSTATE', async () => {
    const org = await createOrg('Group Commit Batcher Org');
    const source = await createSource(org.orgId, 'smartlead');
    const inbox = new GroupCommit(gatewayDb, { maxBatch: 64, maxInFlight: 1 });
    const smartlead = (key: string) => JSON.stringify({
      event_type: 'EMAIL_SENT', campaign_id: 'gb', campaign_name: 'GB', to_email: `${key}@example.test`, event_timestamp: new Date().toISOString(),
    });
    const event = (key: string, payload = smartlead(key), sourceId = source.sourceId): InboxEvent => ({
      sourceId, provider: 'smartlead', dedupeKey: key, partitionKey: `${key}@example.test`, eventType: 'EMAIL_SENT',
      occurredAt: new Date().toISOString(), payload,
    });
    // One slot: the first event is stored alone at once, and the events submitted while it
    // is in flight wait for it and then go together, as one statement.
    const settle = async (plug: string, events: InboxEvent[]) => {
      const alone = inbox.store(event(plug));
      const settled = await Promise.allSettled(events.map((e) => inbox.store(e)));
      expect((await alone).duplicate).toBe(false);
      return settled;
    };

    // One batch, one transaction; the repeated key's first copy (position 2) is accepted, its
    // later copy (position 5) is its duplicate.
    const first = await settle('p1', [event('a'), event('k'), event('b'), event('c'), event('k'), event('d')]);
    expect(first.every((r) => r.status === 'fulfilled')).toBe(true);
    const rows1 = first.map((r) => (r as PromiseFulfilledResult<{ event_id: string; duplicate: boolean }>).value);
    expect(rows1.map((r) => r.duplicate)).toEqual([false, false, false, false, true, false]);
    expect(rows1[4].event_id).toBe(rows1[1].event_id);
    const after1 = (await stored(source.sourceId)).filter((r) => r.dedupe_key !== 'p1');
    expect(after1.length).toBe(5);
    expect(new Set(after1.map((r) => r.tx)).size).toBe(1);

    // A batch with a value jsonb refuses (22P05) and an unknown source (P0002) among good
    // events: each bad one fails with its own code, the good ones (and a duplicate) are stored.
    const second = await settle('p2', [
      event('e'), event('nul', '{"name": "x\\u0000y"}'), event('f'), event('ghost', '{}', randomUUID()), event('a'), event('g'),
    ]);
    expect(second.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((second[1] as PromiseRejectedResult).reason.code).toBe('22P05');
    expect((second[3] as PromiseRejectedResult).reason.code).toBe('P0002');
    const values = second.map((r) => (r.status === 'fulfilled' ? r.value : null));
    expect(values[4]).toEqual({ event_id: rows1[0].event_id, duplicate: true });
    expect([values[0], values[2], values[5]].every((v) => v?.duplicate === false)).toBe(true);
    const after2 = await stored(source.sourceId);
    expect(after2.map((r) => r.dedupe_key).sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'k', 'p1', 'p2']);
    expect(after2.every((r) => r.n === 1)).toBe(true);

    // Every shard with new events got its processing job (as the single-event function
    // schedules one): the worker takes every stored event out of 'pending'.
    await waitFor(async () => Number((await owner.query(
      "select count(*) from app_public.webhook_events where source_id = $1 and status = 'pending'", [source.sourceId])).rows[0].count) === 0,
    'the worker to process every batched event', 30_000);
  }, 60_000);
});

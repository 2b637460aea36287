import { afterAll, describe, expect, it } from 'vitest';
import { workerCrash } from '../../bench/drills/worker-crash.ts';
import { ingestSentEvents } from '../../bench/lib/outreach-data.ts';
import { waitFor } from '../../scripts/lib/ports.ts';
import { createTestCluster } from '../../scripts/lib/test-cluster.ts';
import { cli, createOrg, login, ownerPool, rest } from './helpers.ts';
import { createSource } from './webhook-senders.ts';

const pool = ownerPool();
afterAll(() => pool.end());

describe('outreach processing failures', () => {
  it('isolates a poison event into dead_letters, lets an admin retry it, and keeps processing the rest', async () => {
    const org = await createOrg();
    const source = await createSource(org.orgId, 'standard');
    // Same partition key (email) → same shard: the good events must not be blocked by the bad one.
    // The poison: a campaign name over campaigns' 300 characters (written past the gateway's check).
    await ingestSentEvents(pool, source.sourceId, 3, "'same@x.test'");
    const { rows: [poison] } = await pool.query(
      `select event_id from app_private.ingest_webhook_event($1, 'standard', 'poison', 'same@x.test', 'email.sent', now(),
        jsonb_build_object('type', 'email.sent', 'data', jsonb_build_object('campaign_id', 'k1', 'email', 'same@x.test',
          'campaign_name', repeat('x', 301))))`,
      [source.sourceId],
    );
    const status = async () =>
      (await pool.query<{ id: string; status: string }>('select id, status from app_public.webhook_events where org_id = $1', [org.orgId])).rows;
    await waitFor(async () => (await status()).filter((e) => e.status === 'processed').length === 3, 'good events processed', 30_000);
    await waitFor(async () => (await status()).find((e) => e.id === poison.event_id)?.status === 'dead', 'poison event dead', 30_000);

    const admin = await login(org.email, org.password);
    const letters = (await (await rest('/dead_letters', admin)).json()) as Array<{ id: number; ref_id: string; error: string }>;
    expect(letters).toEqual([expect.objectContaining({ ref_id: poison.event_id, error: expect.stringMatching(/campaigns_name_check/) })]);

    // Members cannot retry; admins can, once per dead letter.
    const memberEmail = `m-${Date.now()}@example.test`;
    await cli('user', 'add', '--org', org.orgId, '--email', memberEmail, '--password', 'member password', '--role', 'member');
    const memberToken = await login(memberEmail, 'member password');
    const refused = await rest('/rpc/retry_dead_letter', memberToken, { method: 'POST', body: JSON.stringify({ dead_letter_id: letters[0].id }) });
    expect(refused.status).toBe(403);

    const retry = await rest('/rpc/retry_dead_letter', admin, { method: 'POST', body: JSON.stringify({ dead_letter_id: letters[0].id }) });
    expect(retry.status).toBe(200);
    expect((await status()).find((e) => e.id === poison.event_id)?.status).toBe('pending');
    const again = await rest('/rpc/retry_dead_letter', admin, { method: 'POST', body: JSON.stringify({ dead_letter_id: letters[0].id }) });
    expect(again.status).toBe(404);
    await waitFor(async () => (await status()).find((e) => e.id === poison.event_id)?.status === 'dead', 'poison dead again', 30_000);
  });

  it('keeps counts exact when the worker is killed mid-run and restarted', async () => {
    // Its own cluster: the shared stack's worker must not help out.
    const { cluster, env, config } = await createTestCluster();
    try {
      const result = await workerCrash(config, env, 20_000);
      expect(result.processed_at_kill).toBeLessThan(20_000);
      expect(result).toMatchObject({ counted: 20_000, email_events: 20_000, lost: 0 });
    } finally {
      cluster.destroy();
    }
  }, 180_000);
});
